/**
 * The channel features of issue 13: recvMany, Receiver.clone, reserve and
 * SendPermit, waitClosed on every sender kind, watch sendModify/waitFor,
 * broadcast resubscribe. Each promise, its cancel safety, bad input; a few
 * ported from Tokio's tests/sync_mpsc.rs, sync_watch.rs and sync_broadcast.rs.
 */
import {
  broadcast,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelFullError,
  type Coroutine,
  channel,
  LaggedError,
  oneshot,
  select,
  sleep,
  spawn,
  type Task,
  unboundedChannel,
  watch,
} from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

/** What a task returned or threw. */
function* settle(task: Task<unknown>): Coroutine<unknown> {
  try {
    return yield* task;
  } catch (e) {
    return e;
  }
}

describe("rx.recvMany(max)", () => {
  // Tokio: sync_mpsc.rs `recv_many_unbounded` / `recv_many_bounded_capacity`.
  it("takes every buffered message up to max, in order, then [] once closed and drained", async () => {
    await runTest(function* () {
      const [tx, rx] = unboundedChannel<string>();
      for (const v of ["hello", "world", "!"]) tx.trySend(v);
      expect(yield* rx.recvMany(2)).toEqual(["hello", "world"]);
      tx.trySend("again");
      expect(yield* rx.recvMany(10)).toEqual(["!", "again"]);
      tx.close();
      expect(yield* rx.recvMany(10)).toEqual([]);
      expect(yield* rx.recvMany(10)).toEqual([]);
      rx._check();
    });
  });

  it("waits while empty; taking frees slots for waiting senders", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(2);
      const producer = spawn(function* () {
        for (let i = 0; i < 5; i++) yield* tx.send(i);
        tx.close();
      });
      const got: number[] = [];
      for (;;) {
        const batch = yield* rx.recvMany(4);
        if (batch.length === 0) break;
        expect(batch.length).toBeLessThanOrEqual(2);
        got.push(...batch);
      }
      yield* producer;
      expect(got).toEqual([0, 1, 2, 3, 4]);
      rx._check();
    });
  });

  it("a waiting recvMany is woken by a send and keeps its place in line", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const first = spawn(function* () {
        return yield* rx.recvMany(3);
      });
      yield* waitIdle();
      const second = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      tx.trySend(1);
      tx.trySend(2);
      expect(yield* first).toEqual([1]);
      expect((yield* second).value).toBe(2);
    });
  });

  it("cancel-safe: a recvMany that loses a select took nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const got = yield* select({ batch: rx.recvMany(4), tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(rx.statistics().waitingReceivers).toBe(0);
      tx.trySend(7);
      tx.trySend(8);
      expect(yield* rx.recvMany(4)).toEqual([7, 8]);
      rx._check();
    });
  });

  it("cancel-safe: a message promised to a cancelled recvMany goes to the next receiver", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const a = spawn(function* () {
        return yield* rx.recvMany(4);
      });
      yield* waitIdle();
      const b = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      tx.trySend(5); // promised to a, which is cancelled before it polls
      a.cancel();
      expect((yield* b).value).toBe(5);
      rx._check();
    });
  });

  it("max must be an integer >= 1, named in the error", () => {
    const [, rx] = channel<number>(1);
    expect(() => rx.recvMany(0)).toThrow(RangeError);
    expect(() => rx.recvMany(0)).toThrow(/recvMany\(max\).*>= 1.*got 0/);
    expect(() => rx.recvMany(-1)).toThrow(/got -1/);
    expect(() => rx.recvMany(1.5)).toThrow(/got 1.5/);
    expect(() => rx.recvMany(Number.NaN)).toThrow(/got NaN/);
  });
});

describe("watch: tx.sendModify, rx.waitFor, tx.waitClosed", () => {
  // Tokio: sync_watch.rs `send_modify_panic` (here: a throw) and `multi_rx`-style notification.
  it("sendModify changes in place or replaces, and wakes receivers", async () => {
    await runTest(function* () {
      const [tx, rx] = watch({ n: 1 });
      const woke = spawn(function* () {
        yield* rx.changed();
        return rx.borrow().n;
      });
      yield* waitIdle();
      tx.sendModify((v) => {
        v.n = 2;
      });
      expect(yield* woke).toBe(2);
      tx.sendModify((v) => ({ n: v.n * 10 }));
      expect(rx.hasChanged()).toBe(true);
      expect(rx.borrowAndUpdate()).toEqual({ n: 20 });
    });
  });

  it("a throwing sendModify propagates, and the value still counts as changed", () => {
    const [tx, rx] = watch({ n: 1 });
    expect(() =>
      tx.sendModify((v) => {
        v.n = 5;
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(rx.hasChanged()).toBe(true);
    expect(rx.borrow().n).toBe(5);
  });

  it("sendModify on a closed sender throws without calling modify; a non-function is a TypeError", () => {
    const [tx] = watch(0);
    expect(() => tx.sendModify(1 as never)).toThrow(TypeError);
    tx.close();
    let called = false;
    expect(() =>
      tx.sendModify(() => {
        called = true;
      }),
    ).toThrow(ChannelClosedError);
    expect(called).toBe(false);
  });

  // Tokio: sync_watch.rs `rx_version_underflow`/`wait_for` doc: the current value counts.
  it("waitFor returns the current value at once if it satisfies the predicate, seen or not", async () => {
    await runTest(function* () {
      const [, rx] = watch(3);
      rx.borrowAndUpdate();
      expect(yield* rx.waitFor((v) => v > 2)).toBe(3);
    });
  });

  it("waitFor waits for the first later value that satisfies it and marks it seen", async () => {
    await runTest(function* () {
      const [tx, rx] = watch(0);
      const w = spawn(function* () {
        return yield* rx.waitFor((v) => v % 2 === 1);
      });
      yield* waitIdle();
      tx.send(2);
      yield* waitIdle();
      expect(w.isComplete).toBe(false);
      tx.send(7);
      expect(yield* w).toBe(7);
      expect(rx.hasChanged()).toBe(false);
      expect(tx.statistics().waiting).toBe(0);
    });
  });

  it("waitFor throws ChannelClosedError once the sender closes with no match; a predicate's throw propagates", async () => {
    await runTest(function* () {
      const [tx, rx] = watch(0);
      const w = spawn(function* () {
        return yield* rx.waitFor((v) => v > 100);
      });
      yield* waitIdle();
      tx.send(1);
      tx.close();
      expect(yield* settle(w)).toBeInstanceOf(ChannelClosedError);
      expect(() => rx.waitFor(5 as never)).toThrow(TypeError);
      const [, rx2] = watch(0);
      const thrown = yield* settle(
        spawn(function* () {
          return yield* rx2.waitFor(() => {
            throw new Error("bad predicate");
          });
        }),
      );
      expect((thrown as Error).message).toBe("bad predicate");
    });
  });

  it("cancel-safe: a waitFor that loses a select leaves no waiter, and a later one still finds the value", async () => {
    await runTest(function* () {
      const [tx, rx] = watch(0);
      const got = yield* select({ v: rx.waitFor((v) => v === 9), tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(tx.statistics().waiting).toBe(0);
      tx.send(9);
      expect(yield* rx.waitFor((v) => v === 9)).toBe(9);
    });
  });

  // Tokio: sync_watch.rs `sender_closed` style: closed() completes when all receivers are gone.
  it("tx.waitClosed completes once every receiver (clones and subscribers too) is closed", async () => {
    await runTest(function* () {
      const [tx, rx] = watch(0);
      const rx2 = rx.clone();
      const rx3 = tx.subscribe();
      const w = spawn(function* () {
        yield* tx.waitClosed();
        return "closed";
      });
      yield* waitIdle();
      rx.close();
      rx2.close();
      yield* waitIdle();
      expect(w.isComplete).toBe(false);
      rx3.close();
      expect(yield* w).toBe("closed");
      yield* tx.waitClosed(); // at once now
      const rx4 = tx.subscribe();
      const again = yield* select({ closed: tx.waitClosed(), tick: sleep(5) });
      expect(again.key).toBe("tick");
      rx4.close();
      yield* tx.waitClosed();
    });
  });
});

describe("channel: Receiver.clone(), tx.waitClosed()", () => {
  it("clones share the messages, each to one receiver, in order of arrival", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const rx2 = rx.clone();
      const a = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        return yield* rx2.recv();
      });
      yield* waitIdle();
      tx.trySend(1);
      tx.trySend(2);
      expect((yield* a).value).toBe(1);
      expect((yield* b).value).toBe(2);
      tx.close();
      expect(yield* rx2.recv()).toEqual({ done: true, value: undefined });
      expect(yield* rx.recv()).toEqual({ done: true, value: undefined });
    });
  });

  // Trio: closing one clone leaves the channel open for the others.
  it("sends fail only once every clone is closed; cloning a closed receiver throws", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const rx2 = rx.clone();
      rx.close();
      expect(() => rx.clone()).toThrow(ChannelClosedError);
      tx.trySend(1);
      expect(tx.isClosed).toBe(false);
      expect((yield* rx2.recv()).value).toBe(1);
      rx2.close();
      expect(tx.isClosed).toBe(true);
      expect(() => tx.trySend(2)).toThrow(ChannelClosedError);
    });
  });

  // Tokio: sync_mpsc.rs `tx_close_gets_none`/`closed` doc: closed() completes when the receiver is dropped.
  it("tx.waitClosed completes once every receiver closed, at once after; clones of the sender too", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const tx2 = tx.clone();
      const rx2 = rx.clone();
      const w = spawn(function* () {
        yield* tx2.waitClosed();
        return "closed";
      });
      yield* waitIdle();
      rx.close();
      yield* waitIdle();
      expect(w.isComplete).toBe(false);
      rx2.close();
      expect(yield* w).toBe("closed");
      yield* tx.waitClosed();
      expect(tx.isClosed).toBe(true);
    });
  });

  it("cancel-safe: a waitClosed that loses a select changes nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const got = yield* select({ closed: tx.waitClosed(), tick: sleep(10) });
      expect(got.key).toBe("tick");
      tx.trySend(3);
      expect((yield* rx.recv()).value).toBe(3);
      rx.close();
      yield* tx.waitClosed();
    });
  });
});

describe("broadcast: rx.resubscribe(), tx.waitClosed(); oneshot: tx.waitClosed()", () => {
  // Tokio: sync_broadcast.rs `resubscribe_points_to_tail` / `resubscribe_lagged`.
  it("resubscribe starts at the tail, not where the original receiver is", async () => {
    await runTest(function* () {
      const [tx, rx] = broadcast<number>(2);
      tx.send(1);
      tx.send(2);
      tx.send(3); // rx has lagged
      const rx2 = rx.resubscribe();
      expect(() => rx2.tryRecv()).toThrow(ChannelEmptyError);
      tx.send(4);
      expect((yield* rx2.recv()).value).toBe(4);
      expect(() => rx.tryRecv()).toThrow(LaggedError);
      expect(rx.tryRecv().value).toBe(3);
      expect(tx.statistics().receivers).toBe(2);
      rx.close();
      expect(() => rx.resubscribe()).toThrow(ChannelClosedError);
    });
  });

  it("broadcast tx.waitClosed completes once every receiver closed; a new subscribe makes it wait again", async () => {
    await runTest(function* () {
      const [tx, rx] = broadcast<number>(2);
      const rx2 = rx.resubscribe();
      const w = spawn(function* () {
        yield* tx.waitClosed();
        return "closed";
      });
      yield* waitIdle();
      rx.close();
      yield* waitIdle();
      expect(w.isComplete).toBe(false);
      rx2.close();
      expect(yield* w).toBe("closed");
      expect(tx.send(1)).toBe(0);
      const rx3 = tx.subscribe();
      const got = yield* select({ closed: tx.waitClosed(), tick: sleep(5) });
      expect(got.key).toBe("tick");
      rx3.close();
      yield* tx.waitClosed();
    });
  });

  // Tokio: sync_oneshot.rs `close_tx`-style: closed() completes when the receiver is dropped.
  it("oneshot tx.waitClosed completes when the receiver closes, or takes the value", async () => {
    await runTest(function* () {
      const [tx, rx] = oneshot<number>();
      const w = spawn(function* () {
        yield* tx.waitClosed();
        return "gone";
      });
      yield* waitIdle();
      expect(w.isComplete).toBe(false);
      rx.close();
      expect(yield* w).toBe("gone");
      expect(() => tx.send(1)).toThrow(ChannelClosedError);

      const [tx2, rx2] = oneshot<number>();
      const lost = yield* select({ closed: tx2.waitClosed(), tick: sleep(5) });
      expect(lost.key).toBe("tick"); // cancel-safe: nothing changed
      tx2.send(5);
      expect(yield* rx2).toBe(5);
      yield* tx2.waitClosed();
    });
  });
});

describe("tx.reserve() → SendPermit", () => {
  // Tokio: sync_mpsc.rs `reserve_disarm`: a held permit takes the slot; releasing it frees it.
  it("a held permit takes a slot until it sends or is released", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const permit = yield* tx.reserve();
      expect(() => tx.trySend(1)).toThrow(ChannelFullError);
      const waiting = spawn(function* () {
        yield* tx.send(2);
        return "sent";
      });
      yield* waitIdle();
      expect(waiting.isComplete).toBe(false);
      permit.send(1);
      expect((yield* rx.recv()).value).toBe(1);
      expect(yield* waiting).toBe("sent");
      expect((yield* rx.recv()).value).toBe(2);

      const p2 = yield* tx.reserve();
      p2.release(); // unused: the slot is free again
      tx.trySend(3);
      expect((yield* rx.recv()).value).toBe(3);
      rx._check();
    });
  });

  it("a released permit's slot goes to the first waiting sender; `using` releases an unused one", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const waiting = spawn(function* () {
        yield* tx.send(9);
      });
      {
        using _permit = yield* tx.reserve();
        yield* waitIdle();
        expect(tx.statistics().waitingSenders).toBe(1);
      }
      yield* waiting;
      expect((yield* rx.recv()).value).toBe(9);
      rx._check();
    });
  });

  it("using a permit twice is a clear error; release after send does nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(2);
      const permit = yield* tx.reserve();
      permit.send(1);
      expect(() => permit.send(2)).toThrow(/used twice/);
      permit.release();
      expect(permit.isUsed).toBe(true);
      expect((yield* rx.recv()).value).toBe(1);
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
      rx._check();
    });
  });

  it("reserve waits in line with sends; a closed receiver fails it, and a held permit's send", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(0);
      const r = spawn(function* () {
        return yield* tx.reserve();
      });
      yield* waitIdle();
      expect((yield* rx.recv()).value).toBe(0);
      const permit = yield* r;
      rx.close();
      expect(() => permit.send(5)).toThrow(ChannelClosedError);
      expect(rx.tryRecv().done).toBe(true);
      expect(yield* settle(spawn(() => tx.reserve()))).toBeInstanceOf(ChannelClosedError);
    });
  });

  // Tokio: sync_mpsc.rs `reserve_many`-style cancel safety: a dropped reserve holds nothing.
  it("cancel-safe: a reserve that loses a select holds nothing, a granted slot passes on", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      tx.trySend(0);
      const got = yield* select({ permit: tx.reserve(), tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(tx.statistics().waitingSenders).toBe(0);

      // a slot granted to a reserve that is cancelled before it polls goes to the next sender
      const a = spawn(function* () {
        return yield* tx.reserve();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        yield* tx.send(2);
      });
      yield* waitIdle();
      expect(rx.tryRecv().value).toBe(0); // grants the slot to a
      a.cancel();
      yield* b;
      expect((yield* rx.recv()).value).toBe(2);
      rx._check();
    });
  });
});
