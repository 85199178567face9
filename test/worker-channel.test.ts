// workerChannel: wave 1's channel interface across threads, with backpressure by credit.
import {
  ChannelClosedError,
  ChannelEmptyError,
  ChannelFullError,
  run,
  select,
  sleep,
  spawn,
} from "corio";
import { spawnWorker, workerChannel } from "corio/worker";
import { describe, expect, it } from "vitest";

const body = new URL("./fixtures/worker-spawn-body.ts", import.meta.url);

describe("workerChannel in one thread", () => {
  it("sends and receives in order; trySend is full at capacity; tryRecv is empty", async () => {
    const got = await run(function* () {
      const [tx, rx] = workerChannel<number>(2);
      expect(() => rx.tryRecv()).toThrow(ChannelEmptyError);
      tx.trySend(1);
      yield* tx.send(2);
      expect(() => tx.trySend(3)).toThrow(ChannelFullError);
      const a = yield* rx.recv();
      const b = yield* rx.recv();
      tx.close();
      const end = yield* rx.recv();
      return [a, b, end];
    });
    expect(got).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: true, value: undefined },
    ]);
  });

  it("a cancelled recv took nothing: the next value goes to the next recv", async () => {
    const got = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      const { key } = yield* select({ value: rx.recv(), timer: sleep(20) });
      yield* tx.send(5);
      return { key, next: yield* rx.recv() };
    });
    expect(got).toEqual({ key: "timer", next: { done: false, value: 5 } });
  });

  it("plain async code can read a receiver with for await", async () => {
    const [tx, rx] = workerChannel<number>(2);
    const feeding = run(function* () {
      for (let i = 0; i < 5; i++) yield* tx.send(i);
      tx.close();
    });
    const got: number[] = [];
    for await (const v of rx) got.push(v);
    await feeding;
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("keeps the order of primitives (sent in batches) and objects (sent one by one)", async () => {
    const got = await run(function* () {
      const [tx, rx] = workerChannel<unknown>(16);
      const sent = [1, "two", { three: 3 }, 4, null, undefined, [5], 6n, true];
      for (const v of sent) yield* tx.send(v);
      tx.close();
      const out: unknown[] = [];
      for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) out.push(r.value);
      return out;
    });
    expect(got).toEqual([1, "two", { three: 3 }, 4, null, undefined, [5], 6n, true]);
  });

  it("a value that cannot be cloned fails its send, and nothing was sent", async () => {
    const got = await run(function* () {
      const [tx, rx] = workerChannel<unknown>(4);
      yield* tx.send(1);
      let error: unknown = null;
      try {
        yield* tx.send({ callback: () => 2 });
      } catch (e) {
        error = e;
      }
      yield* tx.send(3);
      tx.close();
      const out: unknown[] = [];
      for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) out.push(r.value);
      return { name: (error as Error | null)?.name, out };
    });
    expect(got).toEqual({ name: "DataCloneError", out: [1, 3] });
  });

  it("refuses a capacity below 1", () => {
    expect(() => workerChannel(0)).toThrow(RangeError);
    expect(() => workerChannel(1.5)).toThrow(RangeError);
  });

  it("a send on a closed end throws ChannelClosedError with the value", async () => {
    const error = await run(function* () {
      const [tx] = workerChannel<string>(1);
      tx.close();
      try {
        yield* tx.send("late");
      } catch (e) {
        return e as ChannelClosedError;
      }
      return null;
    });
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error?.value).toBe("late");
  });
});

describe("workerChannel across threads", () => {
  it("parent → worker: the sender waits at capacity until the worker receives", async () => {
    const log = await run(function* () {
      const [tx, rx] = workerChannel<number>(2);
      const [cmdTx, cmdRx] = workerChannel<string>(8);
      const [outTx, outRx] = workerChannel<number>(8);
      const worker = spawnWorker(body, { args: ["consume-slowly", rx, cmdRx, outTx] });
      tx.trySend(0);
      tx.trySend(1);
      // Credits are spent: the receiving thread holds 2 values it has not received.
      expect(() => tx.trySend(2)).toThrow(ChannelFullError);
      const third = spawn(function* () {
        yield* tx.send(2);
      });
      yield* sleep(100);
      const blocked =
        third.state === "waiting" &&
        third.waitingOn === `send on worker channel#${tx._id} (2/2 full)`;
      yield* cmdTx.send("take"); // the worker receives one value...
      const first = yield* outRx.recv();
      yield* third; // ...and that frees the blocked send.
      yield* cmdTx.send("take");
      yield* cmdTx.send("take");
      const rest = [(yield* outRx.recv()).value, (yield* outRx.recv()).value];
      cmdTx.close();
      return { blocked, first: first.value, rest, result: yield* worker };
    });
    expect(log).toEqual({ blocked: true, first: 0, rest: [1, 2], result: "stopped" });
  });

  it("one value received frees one blocked send, whatever the capacity (credit is not held back)", async () => {
    const done = await run(function* () {
      const [tx, rx] = workerChannel<number>(8);
      const [cmdTx, cmdRx] = workerChannel<string>(1);
      const [outTx, outRx] = workerChannel<number>(8);
      const worker = spawnWorker(body, { args: ["consume-slowly", rx, cmdRx, outTx] });
      for (let i = 0; i < 8; i++) tx.trySend(i);
      const ninth = spawn(function* () {
        yield* tx.send(8);
      });
      yield* cmdTx.send("take"); // the worker takes exactly one value
      expect((yield* outRx.recv()).value).toBe(0);
      yield* ninth; // its credit came back although 7 values are still held there
      cmdTx.close();
      yield* worker;
      return ninth.state;
    });
    expect(done).toBe("done");
  });

  it("worker → parent: the worker waits at capacity until the parent receives", async () => {
    const seen = await run(function* () {
      const [tx, rx] = workerChannel<number>(2);
      const producer = spawnWorker<number>(body, { args: ["produce", tx, 10] });
      yield* sleep(200);
      // 10 values, room for 2: the producer cannot have finished.
      const finishedEarly = producer.isComplete;
      const values: number[] = [];
      for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) values.push(r.value);
      return { finishedEarly, values, sent: yield* producer };
    });
    expect(seen).toEqual({
      finishedEarly: false,
      values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      sent: 10,
    });
  });

  it("the parent closing its sender ends the worker's receive loop (done)", async () => {
    const count = await run(function* () {
      const [tx, rx] = workerChannel<number>(4);
      const [outTx, outRx] = workerChannel<string>(16);
      const consumer = spawnWorker<number>(body, { args: ["consume", rx, outTx] });
      for (let i = 0; i < 5; i++) yield* tx.send(i);
      tx.close();
      const reports: string[] = [];
      for (let r = yield* outRx.recv(); !r.done; r = yield* outRx.recv()) reports.push(r.value);
      expect(reports).toEqual(["got 0", "got 1", "got 2", "got 3", "got 4"]);
      return yield* consumer;
    });
    expect(count).toBe(5);
  });

  it("the worker closing its receiver fails the parent's sends with ChannelClosedError", async () => {
    const error = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      const worker = spawnWorker<number>(body, { args: ["close-rx", rx] });
      yield* tx.send(7);
      expect(yield* worker).toBe(7);
      try {
        for (;;) yield* tx.send(8);
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(String((error as Error).message)).toMatch(
      /receiver closed it, or the thread holding it ended/,
    );
  });

  it("the parent closing its receiver fails the worker's send", async () => {
    const error = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      const producer = spawnWorker(body, { args: ["produce", tx, 100] });
      expect((yield* rx.recv()).value).toBe(0);
      rx.close();
      try {
        yield* producer;
      } catch (e) {
        return e as Error;
      }
      return null;
    });
    expect(error?.name).toBe("ChannelClosedError");
  });

  it("a worker thread that ends closes the ends it holds: sender side", async () => {
    const values = await run(function* () {
      const [tx, rx] = workerChannel<number>(4);
      // The worker sends 3 values and returns without closing its sender.
      const producer = spawnWorker(body, { args: ["produce", tx, 3, true] });
      yield* producer;
      const got: number[] = [];
      for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) got.push(r.value);
      return got;
    });
    expect(values).toEqual([0, 1, 2]);
  });

  it("a worker thread that ends closes the ends it holds: receiver side", async () => {
    const error = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      // The worker takes the receiver and returns at once, never receiving.
      const worker = spawnWorker(body, { args: ["add", 1, 2, rx] });
      yield* tx.send(1); // fills the only slot
      yield* worker;
      try {
        yield* tx.send(2); // waits for credit that never comes, until the thread's end is seen
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(error).toBeInstanceOf(ChannelClosedError);
  });

  it("a value is on its way when its send completes, even if the thread then blocks", async () => {
    const gap = await run(function* () {
      const [outTx, outRx] = workerChannel<string>(4);
      const worker = spawnWorker(body, { args: ["send-then-block", outTx, 5000] });
      expect((yield* outRx.recv()).value).toBe("before");
      const at = Date.now(); // the worker is blocked now, for 5 s
      expect((yield* outRx.recv()).value).toBe("after");
      yield* worker;
      return Date.now() - at;
    });
    // "before" came during the block, not with "after" at its end.
    expect(gap).toBeGreaterThan(2500);
  }, 30_000);

  it("a cancelled send sent nothing", async () => {
    const count = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      const [outTx, outRx] = workerChannel<string>(16);
      yield* tx.send(1); // fills the receiving side before the worker exists
      const { key } = yield* select({ send: tx.send(99), timer: sleep(50) });
      expect(key).toBe("timer"); // the send lost: 99 was not sent
      const consumer = spawnWorker<number>(body, { args: ["consume", rx, outTx] });
      tx.close();
      const reports: string[] = [];
      for (let r = yield* outRx.recv(); !r.done; r = yield* outRx.recv()) reports.push(r.value);
      expect(reports).toEqual(["got 1"]);
      return yield* consumer;
    });
    expect(count).toBe(1);
  });

  it("a worker task cancelled before it started closes the ends it was given", async () => {
    const seen = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      const [outTx, outRx] = workerChannel<string>(1);
      const worker = spawnWorker(body, { args: ["consume", rx, outTx] });
      worker.cancel();
      const out = yield* outRx.recv();
      yield* tx.send(1); // the one credit
      let sendError: unknown = null;
      try {
        yield* tx.send(2);
      } catch (e) {
        sendError = e;
      }
      return { out, sendError, state: worker.state };
    });
    expect(seen.out).toEqual({ done: true, value: undefined });
    expect(seen.sendError).toBeInstanceOf(ChannelClosedError);
    expect(seen.state).toBe("cancelled");
  });

  it("an end moved to a worker cannot be used here any more", async () => {
    const error = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      const consumer = spawnWorker(body, { args: ["consume", rx, workerChannel<string>(4)[0]] });
      tx.close();
      yield* consumer;
      try {
        rx.tryRecv();
      } catch (e) {
        return e as Error;
      }
      return null;
    });
    expect(error?.message).toMatch(/this end was moved to worker "worker worker-spawn-body.ts"/);
  });

  it("ends inside plain objects move too", async () => {
    const values = await run(function* () {
      const [tx, rx] = workerChannel<number>(4);
      const [outTx, outRx] = workerChannel<string>(4);
      const consumer = spawnWorker<number>(body, {
        args: ["consume-object", { rx, out: [outTx] }],
      });
      yield* tx.send(5);
      tx.close();
      const r = yield* outRx.recv();
      return { r: r.value, n: yield* consumer };
    });
    expect(values).toEqual({ r: "got 5", n: 1 });
  });
});
