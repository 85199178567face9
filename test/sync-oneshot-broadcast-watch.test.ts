/**
 * oneshot, broadcast and watch: semantics, closing, cancellation, bad input,
 * statistics, and use from plain async code.
 */
import {
  broadcast,
  ChannelClosedError,
  ChannelEmptyError,
  type Coroutine,
  LaggedError,
  oneshot,
  select,
  sleep,
  spawn,
  type Task,
  watch,
} from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

function* settled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch {}
}

function* caught(body: () => Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* body();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("oneshot", () => {
  it("yield* rx receives the value sent (doc example)", async () => {
    const reply = await runTest(function* () {
      const [tx, rx] = oneshot<string>();
      spawn(function* () {
        yield* sleep(5);
        tx.send("reply");
      });
      return yield* rx;
    });
    expect(reply).toBe("reply");
  });

  it("a value sent before the receiver waits is there at once", async () => {
    await runTest(function* () {
      const [tx, rx] = oneshot<number>();
      tx.send(42);
      expect(tx.isClosed).toBe(true);
      expect(rx.statistics()).toEqual({ state: "sent", waiting: 0 });
      expect(yield* rx).toBe(42);
      expect(rx.statistics().state).toBe("received");
    });
  });

  it("closing the sender without sending fails the receiver clearly", async () => {
    await runTest(function* () {
      const [tx, rx] = oneshot<number>();
      spawn(function* () {
        yield* sleep(1);
        tx.close();
      });
      const error = yield* caught(function* () {
        yield* rx;
      });
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).message).toMatch(/sender was closed without sending/);
    });
  });

  it("sending twice, or after the receiver closed, throws ChannelClosedError", () => {
    const [tx, rx] = oneshot<number>();
    tx.send(1);
    expect(() => tx.send(2)).toThrow(/already sent/);
    const [tx2, rx2] = oneshot<number>();
    rx2.close();
    expect(() => tx2.send(1)).toThrow(ChannelClosedError);
    expect(() => tx2.send(1)).toThrow(/receiver was closed/);
    expect(rx.tryRecv()).toBe(1);
    expect(() => rx.tryRecv()).toThrow(/already received/);
  });

  it("tryRecv before a send throws ChannelEmptyError", () => {
    const [, rx] = oneshot<number>();
    expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
  });

  it("a cancelled receive took nothing: the value stays for the next one", async () => {
    await runTest(function* () {
      const [tx, rx] = oneshot<number>();
      const first = spawn(function* () {
        return yield* rx;
      });
      yield* waitIdle();
      tx.send(7); // the first waiter is notified...
      first.cancel(); // ...and cancelled before it took it
      yield* settled(first);
      expect(rx.statistics()).toEqual({ state: "sent", waiting: 0 });
      expect(yield* rx).toBe(7);
    });
  });

  it("a receive losing a select took nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = oneshot<number>();
      const got = yield* select({ reply: rx, tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(rx.statistics().waiting).toBe(0);
      tx.send(3);
      expect(yield* rx).toBe(3);
    });
  });

  it("works from plain async code", async () => {
    const [tx, rx] = oneshot<string>();
    setTimeout(() => tx.send("later"), 1);
    expect(await rx.recvAsync()).toBe("later");
  });
});

describe("broadcast", () => {
  it("every receiver sees every value sent after it subscribed (doc example)", async () => {
    await runTest(function* () {
      const [tx, rx] = broadcast<number>(8);
      const rx2 = tx.subscribe();
      expect(tx.send(1)).toBe(2);
      expect((yield* rx.recv()).value).toBe(1);
      expect((yield* rx2.recv()).value).toBe(1);
      const rx3 = tx.subscribe();
      tx.send(2);
      expect((yield* rx3.recv()).value).toBe(2);
      expect(() => rx3.tryRecv()).toThrow(ChannelEmptyError);
    });
  });

  it("wakes every waiting receiver", async () => {
    const seen = await runTest(function* () {
      const [tx, rx] = broadcast<string>(4);
      const receivers = [rx, tx.subscribe(), tx.subscribe()];
      const tasks = receivers.map((r) =>
        spawn(function* () {
          const got: string[] = [];
          for (;;) {
            const m = yield* r.recv();
            if (m.done) return got;
            got.push(m.value);
          }
        }),
      );
      yield* waitIdle();
      expect(rx.statistics().waiting).toBe(3);
      tx.send("a");
      yield* sleep(1);
      tx.send("b");
      tx.close();
      const out: string[][] = [];
      for (const t of tasks) out.push(yield* t);
      return out;
    });
    expect(seen).toEqual([
      ["a", "b"],
      ["a", "b"],
      ["a", "b"],
    ]);
  });

  it("a lagging receiver gets LaggedError with .missed once, then the oldest value held", async () => {
    await runTest(function* () {
      const [tx, rx] = broadcast<number>(2);
      for (let i = 0; i < 5; i++) tx.send(i); // 0, 1, 2 dropped for rx
      const error = yield* caught(function* () {
        yield* rx.recv();
      });
      expect(error).toBeInstanceOf(LaggedError);
      expect((error as LaggedError).missed).toBe(3);
      expect((yield* rx.recv()).value).toBe(3);
      expect((yield* rx.recv()).value).toBe(4);
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
    });
  });

  it("closes for receivers when the last sender closes; they drain first", async () => {
    await runTest(function* () {
      const [tx, rx] = broadcast<number>(4);
      const tx2 = tx.clone();
      tx.send(1);
      tx.close();
      tx2.send(2);
      tx2.close();
      expect((yield* rx.recv()).value).toBe(1);
      expect((yield* rx.recv()).value).toBe(2);
      expect((yield* rx.recv()).done).toBe(true);
      expect(() => tx.send(3)).toThrow(ChannelClosedError);
    });
  });

  it("a cancelled recv read nothing and left no waiter behind", async () => {
    await runTest(function* () {
      const [tx, rx] = broadcast<number>(4);
      const t = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      t.cancel();
      yield* settled(t);
      expect(rx.statistics().waiting).toBe(0);
      tx.send(9);
      expect((yield* rx.recv()).value).toBe(9);
    });
  });

  it("a closed receiver stops counting; sending to nobody returns 0", async () => {
    const [tx, rx] = broadcast<number>(1);
    rx.close();
    expect(tx.send(1)).toBe(0);
    expect(() => rx.tryRecv()).toThrow(ChannelClosedError);
    expect(tx.statistics()).toMatchObject({ receivers: 0, senders: 1, capacity: 1 });
  });

  it("capacity must be an integer >= 1", () => {
    expect(() => broadcast(0)).toThrow(RangeError);
    expect(() => broadcast(2.5)).toThrow(RangeError);
  });

  it("for await over a receiver in plain async code", async () => {
    const [tx, rx] = broadcast<number>(8);
    const got = (async () => {
      const out: number[] = [];
      for await (const v of rx) out.push(v);
      return out;
    })();
    tx.send(1);
    tx.send(2);
    await new Promise((r) => setTimeout(r, 1));
    tx.send(3);
    tx.close();
    expect(await got).toEqual([1, 2, 3]);
  });
});

describe("watch", () => {
  it("borrow reads the current value; changed waits for a new one (doc example)", async () => {
    await runTest(function* () {
      const [tx, rx] = watch({ level: "info" });
      const applied: string[] = [];
      const t = spawn(function* () {
        yield* rx.changed();
        applied.push(rx.borrow().level);
      });
      yield* waitIdle();
      expect(applied).toEqual([]);
      tx.send({ level: "debug" });
      yield* t;
      expect(applied).toEqual(["debug"]);
      expect(tx.borrow().level).toBe("debug");
    });
  });

  it("changed is ready at once for an unseen value, and marks it seen", async () => {
    await runTest(function* () {
      const [tx, rx] = watch(0);
      tx.send(1);
      tx.send(2);
      expect(rx.hasChanged()).toBe(true);
      yield* rx.changed();
      expect(rx.borrow()).toBe(2);
      expect(rx.hasChanged()).toBe(false);
      const rx2 = tx.subscribe();
      expect(rx2.hasChanged()).toBe(false);
      tx.send(3);
      expect(rx2.borrowAndUpdate()).toBe(3);
      expect(rx2.hasChanged()).toBe(false);
      expect(tx.statistics()).toMatchObject({ version: 3, receivers: 2 });
    });
  });

  it("after the sender closes, changed throws once nothing new is left", async () => {
    await runTest(function* () {
      const [tx, rx] = watch("a");
      tx.send("b");
      tx.close();
      yield* rx.changed(); // "b" was unseen
      expect(rx.borrow()).toBe("b");
      const error = yield* caught(function* () {
        yield* rx.changed();
      });
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(() => tx.send("c")).toThrow(ChannelClosedError);
    });
  });

  it("a waiting changed() is woken by the close", async () => {
    await runTest(function* () {
      const [tx, rx] = watch(1);
      const t = spawn(function* () {
        return yield* caught(function* () {
          yield* rx.changed();
        });
      });
      yield* waitIdle();
      tx.close();
      expect(yield* t).toBeInstanceOf(ChannelClosedError);
    });
  });

  it("a cancelled changed() marked nothing seen", async () => {
    await runTest(function* () {
      const [tx, rx] = watch(1);
      const t = spawn(function* () {
        yield* rx.changed();
      });
      yield* waitIdle();
      tx.send(2);
      t.cancel(); // woken, cancelled before it looked
      yield* settled(t);
      expect(rx.hasChanged()).toBe(true);
      expect(rx.statistics().waiting).toBe(0);
    });
  });

  it("for await yields the current value, then new ones, until the sender closes", async () => {
    const [tx, rx] = watch(0);
    const got = (async () => {
      const out: number[] = [];
      for await (const v of rx) out.push(v);
      return out;
    })();
    await new Promise((r) => setTimeout(r, 1));
    tx.send(1);
    await new Promise((r) => setTimeout(r, 1));
    tx.send(2);
    await new Promise((r) => setTimeout(r, 1));
    tx.close();
    expect(await got).toEqual([0, 1, 2]);
  });
});
