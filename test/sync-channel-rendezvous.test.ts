/**
 * channel(0), the rendezvous: a send completes only once a waiting receiver
 * was handed its value; trySend only while a receiver waits; cancel safety
 * both ways (a cancelled send delivered nothing, a cancelled recv took
 * nothing), at each suspension point; reserve, recvMany, cloned receivers,
 * closing; and Queue(0) still unbounded.
 */
import {
  ChannelClosedError,
  ChannelFullError,
  type Coroutine,
  call,
  channel,
  Queue,
  type Receiver,
  race,
  select,
  sleep,
  spawn,
  type Task,
  TimeoutError,
  timeout,
} from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

/** What a task returned or threw. */
function* settled(task: Task<unknown>): Coroutine<unknown> {
  try {
    return yield* task;
  } catch (e) {
    return e;
  }
}

function recvTask<T>(rx: Receiver<T>): Task<IteratorResult<T>> {
  return spawn(function* () {
    return yield* rx.recv();
  });
}

describe("channel(0): the promise", () => {
  it("send waits until a receiver takes the value", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<string>(0);
      let sent = false;
      const s = spawn(function* () {
        yield* tx.send("hi");
        sent = true;
      });
      yield* sleep(100);
      expect(sent).toBe(false);
      expect(rx.statistics().waitingSenders).toBe(1);
      expect(rx.statistics().length).toBe(0);
      expect(yield* rx.recv()).toEqual({ done: false, value: "hi" });
      yield* s;
      expect(sent).toBe(true);
      rx._check();
    });
  });

  it("a receiver waiting first: send completes at once, handing the value over", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const r = recvTask(rx);
      yield* waitIdle();
      yield* tx.send(7);
      expect(yield* r).toEqual({ done: false, value: 7 });
      rx._check();
    });
  });

  it("several waiting senders are served in order, one per receive", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const done: number[] = [];
      const senders = [0, 1, 2, 3].map((i) =>
        spawn(function* () {
          yield* tx.send(i);
          done.push(i);
        }),
      );
      yield* waitIdle();
      expect(done).toEqual([]);
      for (let i = 0; i < 4; i++) {
        expect((yield* rx.recv()).value).toBe(i);
        yield* waitIdle();
        expect(done).toEqual([0, 1, 2, 3].slice(0, i + 1));
        rx._check();
      }
      for (const s of senders) yield* s;
    });
  });

  it("trySend succeeds only while a receiver waits", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      expect(() => tx.trySend(1)).toThrow(ChannelFullError);
      expect(() => tx.trySend(1)).toThrow(/rendezvous.*no receiver waiting/);
      const r = recvTask(rx);
      yield* waitIdle();
      tx.trySend(2);
      expect(() => tx.trySend(3)).toThrow(ChannelFullError); // that receiver is taken
      expect(yield* r).toEqual({ done: false, value: 2 });
      expect(() => rx.tryRecv()).toThrow();
      rx._check();
    });
  });

  it("trySend does not take a receiver promised to a waiting sender", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const s = spawn(function* () {
        yield* tx.send(1);
      });
      yield* waitIdle();
      const r = recvTask(rx);
      expect(() => tx.trySend(2)).toThrow(ChannelFullError);
      yield* s;
      expect(yield* r).toEqual({ done: false, value: 1 });
      rx._check();
    });
  });
});

describe("channel(0): cancel safety", () => {
  it("a send that loses a select delivered nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const got = yield* select({ sent: tx.send(1), tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(rx.statistics().waitingSenders).toBe(0);
      const r = recvTask(rx);
      yield* waitIdle();
      tx.trySend(2);
      expect(yield* r).toEqual({ done: false, value: 2 });
      rx._check();
    });
  });

  it("a send cut off by timeout or race delivered nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const e = yield* settled(
        spawn(function* () {
          yield* timeout(10, tx.send(1));
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      yield* race([tx.send(2), sleep(10)]);
      const r = recvTask(rx);
      yield* waitIdle();
      expect(r.state).not.toBe("done");
      tx.trySend(3);
      expect(yield* r).toEqual({ done: false, value: 3 });
    });
  });

  it("a sender granted a receiver and cancelled before its poll delivered nothing; the next sender gets that receiver", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const a = spawn(function* () {
        yield* tx.send(1);
      });
      const b = spawn(function* () {
        yield* tx.send(2);
      });
      yield* waitIdle();
      const r = recvTask(rx); // parks: its slot is granted to a ...
      yield* sleep(0);
      a.cancel(); // ... which is cancelled before it polls
      yield* settled(a);
      expect(a.state).toBe("cancelled");
      expect(yield* r).toEqual({ done: false, value: 2 });
      yield* b;
      rx._check();
    });
  });

  it("a recv that loses a select took nothing: the sender still waits for the next receiver", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const got = yield* select({ msg: rx.recv(), tick: sleep(10) });
      expect(got.key).toBe("tick");
      let sent = false;
      const s = spawn(function* () {
        yield* tx.send(5);
        sent = true;
      });
      yield* waitIdle();
      expect(sent).toBe(false);
      expect((yield* rx.recv()).value).toBe(5);
      yield* s;
      expect(sent).toBe(true);
    });
  });

  it("a receiver handed a value and cancelled before it ran passes it to the next receiver", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const a = recvTask(rx);
      yield* waitIdle();
      const b = recvTask(rx);
      yield* waitIdle();
      tx.trySend(42); // handed to a, which is woken
      a.cancel(); // ... and cancelled before it polls
      yield* settled(a);
      expect(a.state).toBe("cancelled");
      expect(yield* b).toEqual({ done: false, value: 42 });
      rx._check();
    });
  });

  it("... with nobody behind it, the value is kept for the next receive (never lost)", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const a = recvTask(rx);
      yield* waitIdle();
      yield* tx.send(9); // completed: handed to a
      a.cancel();
      yield* settled(a);
      rx._check();
      expect(rx.statistics().length).toBe(1);
      expect(yield* rx.recv()).toEqual({ done: false, value: 9 });
      expect(rx.statistics().length).toBe(0);
      rx._check();
    });
  });

  it("a waiting sender granted a receiver that left parks again and is served by the next receiver", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const s = spawn(function* () {
        yield* tx.send(1);
      });
      yield* waitIdle();
      // A receive from plain async code parks at once (its place is granted to s,
      // which is woken) and is aborted before s polls.
      const ac = new AbortController();
      const r = rx.recvAsync({ signal: ac.signal });
      expect(rx.statistics().waitingReceivers).toBe(1);
      const rejected = r.then(
        () => false,
        () => true,
      );
      ac.abort(new Error("gone"));
      yield* waitIdle();
      expect(yield* call(rejected)).toBe(true);
      rx._check();
      expect(s.state).not.toBe("done");
      expect(rx.statistics().waitingSenders).toBe(1);
      expect(s.state).not.toBe("done");
      expect((yield* rx.recv()).value).toBe(1);
      yield* s;
      rx._check();
    });
  });
});

describe("channel(0): closing", () => {
  it("closing the receiver fails waiting sends with their value; nothing was delivered", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const s = spawn(function* () {
        yield* tx.send(1);
      });
      yield* waitIdle();
      rx.close();
      const e = yield* settled(s);
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect((e as ChannelClosedError).value).toBe(1);
      expect(() => tx.trySend(2)).toThrow(ChannelClosedError);
    });
  });

  it("closing the last sender ends waiting receives with done", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const r = recvTask(rx);
      yield* waitIdle();
      tx.close();
      expect((yield* r).done).toBe(true);
    });
  });

  it("a value handed over before close is still received", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const a = recvTask(rx);
      yield* waitIdle();
      tx.trySend(1);
      tx.close();
      expect(yield* a).toEqual({ done: false, value: 1 });
      expect((yield* rx.recv()).done).toBe(true);
    });
  });
});

describe("channel(0): reserve, recvMany, clone", () => {
  it("reserve waits for a receiver and holds it; the permit hands the value over", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const p = spawn(function* () {
        return yield* tx.reserve();
      });
      yield* sleep(10);
      expect(p.state).not.toBe("done");
      const r = recvTask(rx);
      const permit = yield* p;
      expect(() => tx.trySend(0)).toThrow(ChannelFullError); // the receiver is held
      permit.send(5);
      expect(yield* r).toEqual({ done: false, value: 5 });
      rx._check();
    });
  });

  it("a released permit gives its receiver to the next sender", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const r = recvTask(rx);
      yield* waitIdle();
      const permit = yield* tx.reserve();
      const s = spawn(function* () {
        yield* tx.send(8);
      });
      yield* waitIdle();
      expect(s.state).not.toBe("done");
      permit.release();
      yield* s;
      expect(yield* r).toEqual({ done: false, value: 8 });
      rx._check();
    });
  });

  it("recvMany takes one value from a waiting sender at a time", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const s = spawn(function* () {
        for (let i = 0; i < 3; i++) yield* tx.send(i);
        tx.close();
      });
      const got: number[][] = [];
      for (;;) {
        const batch = yield* rx.recvMany(4);
        if (batch.length === 0) break;
        got.push(batch);
      }
      expect(got.flat()).toEqual([0, 1, 2]);
      yield* s;
    });
  });

  it("cloned receivers each take a different value", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(0);
      const rx2 = rx.clone();
      const a = recvTask(rx);
      const b = recvTask(rx2);
      yield* waitIdle();
      yield* tx.send(1);
      yield* tx.send(2);
      const got = [(yield* a).value, (yield* b).value].sort();
      expect(got).toEqual([1, 2]);
      rx.close();
      rx2.close();
      expect(() => tx.trySend(3)).toThrow(ChannelClosedError);
    });
  });
});

describe("Queue(0)", () => {
  it("stays unbounded (asyncio)", async () => {
    await runTest(function* () {
      const q = new Queue<number>(0);
      for (let i = 0; i < 100; i++) q.putNowait(i);
      expect(q.qsize()).toBe(100);
    });
  });
});
