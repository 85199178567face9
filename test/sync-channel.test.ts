/**
 * channel / unboundedChannel: semantics, closing, cloning, bad input, fairness,
 * cancellation of waiters at every point (no stale entries, no lost wake-ups,
 * no lost values), the cached futures, and use from plain async code.
 */
import {
  ChannelClosedError,
  ChannelEmptyError,
  ChannelFullError,
  type Coroutine,
  channel,
  type Receiver,
  run,
  type Sender,
  select,
  sleep,
  spawn,
  type Task,
  unboundedChannel,
  yieldNow,
} from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

/** Receives everything until the channel is closed and drained. */
function* drain<T>(rx: Receiver<T>): Coroutine<T[]> {
  const out: T[] = [];
  for (;;) {
    const r = yield* rx.recv();
    if (r.done) return out;
    out.push(r.value);
  }
}

function* settled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch {}
}

describe("channel: semantics", () => {
  it("delivers in order with backpressure, then done once closed and drained (doc example)", async () => {
    const log: string[] = [];
    const got = await runTest(function* () {
      const [tx, rx] = channel<number>(2);
      spawn(function* () {
        for (let i = 0; i < 5; i++) {
          yield* tx.send(i);
          log.push(`sent ${i}`);
        }
        tx.close();
      });
      yield* waitIdle();
      // capacity 2: the producer is parked on its third send.
      expect(rx.statistics()).toMatchObject({ length: 2, capacity: 2, waitingSenders: 1 });
      expect(log).toEqual(["sent 0", "sent 1"]);
      return yield* drain(rx);
    });
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("recv waits for a send; the result is { done: false, value }", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<string>(8);
      spawn(function* () {
        yield* sleep(10);
        yield* tx.send("hi");
        tx.close();
      });
      const r = yield* rx.recv();
      expect(r).toEqual({ done: false, value: "hi" });
      expect(yield* rx.recv()).toEqual({ done: true, value: undefined });
      expect(yield* rx.recv()).toEqual({ done: true, value: undefined });
    });
  });

  it("results are fresh objects: a kept result is not changed by the next recv", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      yield* tx.send(1);
      yield* tx.send(2);
      const a = yield* rx.recv();
      const b = yield* rx.recv();
      expect(a).toEqual({ done: false, value: 1 });
      expect(b).toEqual({ done: false, value: 2 });
    });
  });

  it("trySend / tryRecv succeed or fail at once with typed errors", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
      tx.trySend(1);
      const full = (() => {
        try {
          tx.trySend(2);
        } catch (e) {
          return e;
        }
      })();
      expect(full).toBeInstanceOf(ChannelFullError);
      expect((full as ChannelFullError).value).toBe(2);
      expect(rx.tryRecv()).toEqual({ done: false, value: 1 });
      tx.close();
      expect(rx.tryRecv()).toEqual({ done: true, value: undefined });
    });
  });

  it("the channel closes for the receiver when the last clone is closed", async () => {
    const got = await runTest(function* () {
      const [tx, rx] = channel<string>(4);
      const producers = ["a", "b", "c"].map((name) => {
        const mine = tx.clone();
        return spawn(function* () {
          for (let i = 0; i < 3; i++) yield* mine.send(`${name}${i}`);
          mine.close();
        });
      });
      tx.close();
      expect(rx.isClosed).toBe(false);
      const all = yield* drain(rx);
      for (const p of producers) yield* p;
      expect(rx.isClosed).toBe(true);
      return all;
    });
    expect(got.sort()).toEqual(["a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1", "c2"]);
  });

  it("closing a sender twice counts once; a clone stays open after the original closes", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const tx2 = tx.clone();
      tx.close();
      tx.close();
      expect(tx.statistics().senders).toBe(1);
      yield* tx2.send(7);
      expect(rx.tryRecv()).toEqual({ done: false, value: 7 });
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
      tx2.close();
      expect(rx.tryRecv().done).toBe(true);
    });
  });

  it("a receiver close fails sends (also waiting ones) but keeps the buffer receivable", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      yield* tx.send(1);
      const blocked = spawn(function* () {
        yield* tx.send(2);
      });
      yield* waitIdle();
      rx.close();
      const error = yield* (function* () {
        try {
          yield* blocked;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as ChannelClosedError).value).toBe(2);
      expect(tx.isClosed).toBe(true);
      expect(() => tx.trySend(3)).toThrow(ChannelClosedError);
      expect(yield* rx.recv()).toEqual({ done: false, value: 1 });
      expect((yield* rx.recv()).done).toBe(true);
      expect(rx.statistics()).toMatchObject({ waitingSenders: 0, length: 0, closed: true });
    });
  });

  it("several tasks may receive from one receiver, each message once", async () => {
    const got = await runTest(
      function* () {
        const [tx, rx] = channel<number>(3);
        const seen: number[][] = [[], [], []];
        const consumers = seen.map((mine) =>
          spawn(function* () {
            for (;;) {
              const r = yield* rx.recv();
              if (r.done) return;
              mine.push(r.value);
              yield* yieldNow();
            }
          }),
        );
        for (let i = 0; i < 60; i++) yield* tx.send(i);
        tx.close();
        for (const c of consumers) yield* c;
        for (const mine of seen) expect(mine.length).toBeGreaterThan(0);
        return seen.flat().sort((a, b) => a - b);
      },
      { seed: 7 },
    );
    expect(got).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it("unboundedChannel: send never waits, trySend never reports full", async () => {
    await runTest(function* () {
      const [tx, rx] = unboundedChannel<number>();
      for (let i = 0; i < 10_000; i++) tx.trySend(i);
      for (let i = 0; i < 10; i++) yield* tx.send(i);
      expect(tx.capacity).toBe(Number.POSITIVE_INFINITY);
      expect(rx.statistics().length).toBe(10_010);
      tx.close();
      const all = yield* drain(rx);
      expect(all.length).toBe(10_010);
      expect(all.slice(0, 3)).toEqual([0, 1, 2]);
      rx._check();
    });
  });

  it("statistics() reports length, capacity, senders, closed and waiters", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      expect(tx.statistics()).toEqual({
        length: 0,
        capacity: 1,
        senders: 1,
        closed: false,
        waitingSenders: 0,
        waitingReceivers: 0,
      });
      const r = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      expect(rx.statistics().waitingReceivers).toBe(1);
      yield* tx.send(1);
      yield* r;
      expect(rx.statistics().waitingReceivers).toBe(0);
    });
  });
});

describe("channel: bad input", () => {
  it("capacity must be an integer >= 0 (0 is a rendezvous)", () => {
    expect(channel(0)[0].capacity).toBe(0);
    expect(() => channel(-1)).toThrow(RangeError);
    expect(() => channel(-1)).toThrow(/channel\(capacity\).*>= 0.*unboundedChannel/);
    expect(() => channel(1.5)).toThrow(RangeError);
    expect(() => channel(Number.NaN)).toThrow(RangeError);
    expect(() => channel(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => channel("8" as never)).toThrow(TypeError);
  });

  it("send on a closed sender throws ChannelClosedError naming the cause", async () => {
    await runTest(function* () {
      const [tx] = channel<number>(1);
      tx.close();
      let error: unknown;
      try {
        yield* tx.send(1);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).message).toMatch(/closed sender of channel#\d+/);
      expect(() => tx.clone()).toThrow(ChannelClosedError);
    });
  });

  it("a pending send of a sender closed meanwhile fails and sent nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(0);
      const other = tx.clone();
      const blocked = spawn(function* () {
        try {
          yield* tx.send(1);
        } catch (e) {
          return e;
        }
      });
      const blockedOther = spawn(function* () {
        yield* other.send(2);
      });
      yield* waitIdle();
      tx.close();
      yield* waitIdle();
      expect(blocked.state).toBe("done");
      expect(yield* blocked).toBeInstanceOf(ChannelClosedError);
      expect(blockedOther.state).toBe("waiting");
      expect(rx.tryRecv()).toEqual({ done: false, value: 0 });
      yield* blockedOther;
      expect(rx.tryRecv()).toEqual({ done: false, value: 2 });
      other.close();
      expect(rx.tryRecv().done).toBe(true);
    });
  });
});

describe("channel: fairness", () => {
  it("waiting receivers are served first come, first served", async () => {
    const order = await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const order: string[] = [];
      for (const name of ["a", "b", "c"]) {
        spawn(function* () {
          const r = yield* rx.recv();
          order.push(`${name}=${r.value}`);
        });
        yield* waitIdle(); // each parks before the next starts
      }
      tx.trySend(1);
      tx.trySend(2);
      tx.trySend(3);
      yield* waitIdle();
      return order;
    });
    expect(order).toEqual(["a=1", "b=2", "c=3"]);
  });

  it("waiting senders are served in order, and a newcomer cannot take a promised slot", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<string>(1);
      tx.trySend("first");
      for (const v of ["a", "b", "c"]) {
        spawn(function* () {
          yield* tx.send(v);
        });
        yield* waitIdle();
      }
      expect(rx.statistics().waitingSenders).toBe(3);
      expect(rx.tryRecv().value).toBe("first");
      // The freed slot is promised to "a": trySend must not take it.
      expect(() => tx.trySend("newcomer")).toThrow(ChannelFullError);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push((yield* rx.recv()).value as string);
      expect(got).toEqual(["a", "b", "c"]);
      rx._check();
    });
  });
});

describe("channel: cancellation at every point", () => {
  it("a receiver cancelled while waiting leaves the line; the next one gets the message", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const first = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      const second = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      expect(rx.statistics().waitingReceivers).toBe(2);
      first.cancel();
      yield* settled(first);
      expect(rx.statistics().waitingReceivers).toBe(1);
      rx._check();
      tx.trySend(5);
      expect((yield* second).value).toBe(5);
      rx._check();
    });
  });

  it("a receiver notified and cancelled before it ran passes the message on (no lost wake-up)", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const a = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      tx.trySend(42); // promised to a, which is woken
      a.cancel(); // ... and cancelled before it polls
      yield* settled(a);
      expect(a.state).toBe("cancelled");
      expect((yield* b).value).toBe(42);
      rx._check();
    });
  });

  it("a notified receiver cancelled with nobody behind it leaves the message in the channel", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const a = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      tx.trySend(9);
      a.cancel();
      yield* settled(a);
      rx._check();
      expect(rx.tryRecv()).toEqual({ done: false, value: 9 });
    });
  });

  it("a receiver cancelled before its first poll took nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(1);
      const a = spawn(function* () {
        return yield* rx.recv();
      });
      a.cancel(); // before it ever ran
      yield* settled(a);
      expect(rx.tryRecv().value).toBe(1);
    });
  });

  it("a sender cancelled while waiting sent nothing and left the line", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(0);
      const s = spawn(function* () {
        yield* tx.send(1);
      });
      yield* waitIdle();
      s.cancel();
      yield* settled(s);
      expect(rx.statistics().waitingSenders).toBe(0);
      expect(rx.tryRecv().value).toBe(0);
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
      rx._check();
    });
  });

  it("a sender granted a slot and cancelled before it ran passes the slot to the next sender", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(0);
      const a = spawn(function* () {
        yield* tx.send(1);
      });
      yield* waitIdle();
      const b = spawn(function* () {
        yield* tx.send(2);
      });
      yield* waitIdle();
      expect(rx.tryRecv().value).toBe(0); // slot promised to a
      a.cancel();
      yield* settled(a);
      yield* b;
      expect(rx.tryRecv().value).toBe(2);
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
      rx._check();
    });
  });

  it("a granted sender cancelled with nobody behind frees the slot for trySend", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(0);
      const a = spawn(function* () {
        yield* tx.send(1);
      });
      yield* waitIdle();
      rx.tryRecv();
      a.cancel();
      yield* settled(a);
      tx.trySend(3);
      expect(rx.tryRecv().value).toBe(3);
      rx._check();
    });
  });

  it("a recv that loses a select (pending) took nothing; the message goes to the next recv", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const got = yield* select({ msg: rx.recv(), tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(rx.statistics().waitingReceivers).toBe(0);
      tx.trySend(1);
      expect((yield* rx.recv()).value).toBe(1);
    });
  });

  it("a send that loses a select sent nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(0);
      const got = yield* select({ sent: tx.send(1), tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(rx.tryRecv().value).toBe(0);
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
    });
  });

  it("a receiver woken by the last close while messages are promised to others waits, then sees done", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const a = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      tx.trySend(1); // promised to a
      tx.close();
      a.cancel(); // a gives it back: b must get it, not `done`
      yield* settled(a);
      expect(yield* b).toEqual({ done: false, value: 1 });
      expect((yield* rx.recv()).done).toBe(true);
    });
  });

  // `select` polls future branches in the caller's task (as Tokio's select!), so of two
  // ready recvs only the winner takes its message; the loser is dropped untouched.
  it("select over two ready recvs: the loser took nothing", async () => {
    await runTest(function* () {
      const [tx1, rx1] = channel<number>(1);
      const [tx2, rx2] = channel<number>(1);
      tx1.trySend(1);
      tx2.trySend(2);
      const got = yield* select({ a: rx1.recv(), b: rx2.recv() });
      const loser = got.key === "a" ? rx2 : rx1;
      expect(loser.statistics().length).toBe(1); // the losing recv took nothing
    });
  });
});

describe("channel: cached futures", () => {
  it("a future created and not awaited stays valid while the handle hands out fresh ones", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const later = tx.send(1); // claimed, not awaited yet
      yield* tx.send(2);
      yield* tx.send(3);
      yield* later; // still sends 1, now
      const got = [rx.tryRecv().value, rx.tryRecv().value, rx.tryRecv().value];
      expect(got).toEqual([2, 3, 1]);
    });
  });

  it("two tasks sharing one sender and one receiver never share a live future", async () => {
    const total = await runTest(
      function* () {
        const [tx, rx] = channel<number>(1);
        const senders = [0, 1, 2].map((k) =>
          spawn(function* () {
            for (let i = 0; i < 50; i++) yield* tx.send(k * 1000 + i);
          }),
        );
        const receivers = [0, 1].map(() =>
          spawn(function* () {
            const got: number[] = [];
            for (;;) {
              const r = yield* rx.recv();
              if (r.done) return got;
              got.push(r.value);
            }
          }),
        );
        for (const s of senders) yield* s;
        tx.close();
        const got: number[] = [];
        for (const r of receivers) got.push(...(yield* r));
        rx._check();
        return got.sort((a, b) => a - b);
      },
      { seed: 3 },
    );
    expect(total.length).toBe(150);
    expect(new Set(total).size).toBe(150);
  });
});

describe("channel: plain async code", () => {
  it("sendAsync and for await work outside any task", async () => {
    const [tx, rx] = channel<number>(2);
    const consumer = (async () => {
      const got: number[] = [];
      for await (const v of rx) got.push(v);
      return got;
    })();
    for (let i = 0; i < 10; i++) await tx.sendAsync(i);
    tx.close();
    expect(await consumer).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("a task and plain async code talk over one channel", async () => {
    const [tx, rx] = channel<string>(1);
    const [replyTx, replyRx] = channel<string>(1);
    const server = run(function* () {
      for (;;) {
        const r = yield* rx.recv();
        if (r.done) return "server done";
        yield* replyTx.send(r.value.toUpperCase());
      }
    });
    await tx.sendAsync("ping");
    expect(await replyRx.recvAsync()).toEqual({ done: false, value: "PING" });
    tx.close();
    expect(await server).toBe("server done");
  });

  it("aborting sendAsync gives up the wait, sending nothing", async () => {
    const [tx, rx] = channel<number>(1);
    tx.trySend(0);
    const controller = new AbortController();
    const pending = tx.sendAsync(1, { signal: controller.signal });
    controller.abort(new Error("gave up"));
    await expect(pending).rejects.toThrow("gave up");
    expect(rx.tryRecv().value).toBe(0);
    expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
    expect(rx.statistics().waitingSenders).toBe(0);
  });

  it("breaking out of for await leaves the receiver open", async () => {
    const [tx, rx] = channel<number>(4);
    tx.trySend(1);
    tx.trySend(2);
    for await (const v of rx) {
      expect(v).toBe(1);
      break;
    }
    expect(rx.isClosed).toBe(false);
    expect(rx.tryRecv().value).toBe(2);
  });

  it("Symbol.dispose closes the handle", async () => {
    const [tx, rx] = channel<number>(1);
    {
      using sender = tx;
      sender.trySend(1);
    }
    expect(tx.isClosed).toBe(true);
    expect(rx.tryRecv().value).toBe(1);
    expect(rx.tryRecv().done).toBe(true);
  });
});

describe("channel: several runtimes", () => {
  it("a channel made outside any runtime carries values between two runtimes", async () => {
    const [tx, rx] = channel<number>(2);
    const producer = run(function* () {
      for (let i = 0; i < 100; i++) yield* tx.send(i);
      tx.close();
    });
    const consumer = run(function* () {
      let sum = 0;
      for (;;) {
        const r = yield* rx.recv();
        if (r.done) return sum;
        sum += r.value;
      }
    });
    await producer;
    expect(await consumer).toBe(4950);
  });
});

// Keep the handle types in use (type-level check of the exports).
export type Handles = [Sender<number>, Receiver<number>];
