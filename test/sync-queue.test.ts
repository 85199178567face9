/**
 * Queue, PriorityQueue, LifoQueue: asyncio's API (put/get, the nowait
 * variants, taskDone/join, shutdown), fairness, cancellation, bad input.
 */
import {
  type Coroutine,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  select,
  sleep,
  spawn,
  type Task,
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

describe("Queue", () => {
  it("put / get / taskDone / join (doc example)", async () => {
    const done = await runTest(function* () {
      const q = new Queue<string>(10);
      const processed: string[] = [];
      spawn(function* () {
        for (;;) {
          const job = yield* q.get();
          yield* sleep(1);
          processed.push(job);
          q.taskDone();
        }
      });
      for (const job of ["a", "b", "c"]) yield* q.put(job);
      yield* q.join();
      return processed;
    });
    expect(done).toEqual(["a", "b", "c"]);
  });

  it("maxsize bounds the queue; 0 means unbounded", async () => {
    await runTest(function* () {
      const q = new Queue<number>(2);
      q.putNowait(1);
      q.putNowait(2);
      expect(q.full()).toBe(true);
      expect(() => q.putNowait(3)).toThrow(QueueFullError);
      const putter = spawn(function* () {
        yield* q.put(3);
      });
      yield* waitIdle();
      expect(q.statistics()).toMatchObject({ length: 2, waitingPutters: 1 });
      expect(q.getNowait()).toBe(1);
      yield* putter;
      expect([q.getNowait(), q.getNowait()]).toEqual([2, 3]);
      expect(q.empty()).toBe(true);
      expect(() => q.getNowait()).toThrow(QueueEmptyError);
      const unbounded = new Queue<number>();
      for (let i = 0; i < 1000; i++) unbounded.putNowait(i);
      expect(unbounded.qsize()).toBe(1000);
      expect(unbounded.maxsize).toBe(Number.POSITIVE_INFINITY);
      expect(unbounded.full()).toBe(false);
    });
  });

  it("join returns at once with nothing unfinished, and waits for every taskDone", async () => {
    await runTest(function* () {
      const q = new Queue<number>();
      yield* q.join();
      q.putNowait(1);
      q.putNowait(2);
      const joiner = spawn(function* () {
        yield* q.join();
      });
      q.getNowait();
      q.getNowait();
      q.taskDone();
      yield* waitIdle();
      expect(joiner.state).toBe("waiting");
      expect(q.statistics()).toMatchObject({ unfinished: 1, waitingJoiners: 1 });
      q.taskDone();
      yield* joiner;
    });
  });

  it("taskDone more often than put is a RangeError", () => {
    const q = new Queue<number>();
    expect(() => q.taskDone()).toThrow(RangeError);
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(/more times than items were put/);
  });

  it("bad maxsize is a RangeError", () => {
    expect(() => new Queue(-1)).toThrow(RangeError);
    expect(() => new Queue(1.5)).toThrow(RangeError);
    expect(() => new PriorityQueue(-2)).toThrow(/PriorityQueue\(maxsize\)/);
    expect(() => new PriorityQueue(0, 5 as never)).toThrow(TypeError);
  });

  it("getters are served first come, first served", async () => {
    const order = await runTest(function* () {
      const q = new Queue<number>();
      const order: string[] = [];
      for (const name of ["a", "b", "c"]) {
        spawn(function* () {
          order.push(`${name}=${yield* q.get()}`);
        });
        yield* waitIdle();
      }
      q.putNowait(1);
      q.putNowait(2);
      q.putNowait(3);
      yield* waitIdle();
      return order;
    });
    expect(order).toEqual(["a=1", "b=2", "c=3"]);
  });

  it("a get notified and cancelled before it ran passes the item on", async () => {
    await runTest(function* () {
      const q = new Queue<number>();
      const a = spawn(function* () {
        return yield* q.get();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        return yield* q.get();
      });
      yield* waitIdle();
      q.putNowait(5);
      a.cancel();
      yield* settled(a);
      expect(yield* b).toBe(5);
      q._check();
    });
  });

  it("a put granted a slot and cancelled before it ran passes the slot on; it put nothing", async () => {
    await runTest(function* () {
      const q = new Queue<string>(1);
      q.putNowait("x");
      const a = spawn(function* () {
        yield* q.put("a");
      });
      yield* waitIdle();
      const b = spawn(function* () {
        yield* q.put("b");
      });
      yield* waitIdle();
      q.getNowait();
      a.cancel();
      yield* settled(a);
      yield* b;
      expect(q.getNowait()).toBe("b");
      expect(q.statistics()).toMatchObject({ length: 0, waitingPutters: 0, unfinished: 2 });
      q._check();
    });
  });

  it("a get losing a select took nothing", async () => {
    await runTest(function* () {
      const q = new Queue<number>();
      const got = yield* select({ item: q.get(), tick: sleep(3) });
      expect(got.key).toBe("tick");
      q.putNowait(1);
      expect(q.getNowait()).toBe(1);
    });
  });

  it("shutdown: puts fail, getters drain then fail (Python 3.13)", async () => {
    await runTest(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putter = spawn(function* () {
        return yield* caught(function* () {
          yield* q.put(2);
        });
      });
      yield* waitIdle();
      q.shutdown();
      expect(q.isShutDown).toBe(true);
      expect(yield* putter).toBeInstanceOf(QueueShutDownError);
      expect(() => q.putNowait(3)).toThrow(QueueShutDownError);
      expect(yield* q.get()).toBe(1);
      const error = yield* caught(function* () {
        yield* q.get();
      });
      expect(error).toBeInstanceOf(QueueShutDownError);
      expect(() => q.getNowait()).toThrow(QueueShutDownError);
    });
  });

  it("shutdown(immediate): drops the items (counting them done) and fails waiting getters", async () => {
    await runTest(function* () {
      const q = new Queue<number>();
      const getter = spawn(function* () {
        return yield* caught(function* () {
          yield* q.get();
        });
      });
      yield* waitIdle();
      const q2 = new Queue<number>();
      q2.putNowait(1);
      q2.putNowait(2);
      const joiner = spawn(function* () {
        yield* q2.join();
      });
      yield* waitIdle();
      q2.shutdown(true);
      yield* joiner;
      expect(q2.qsize()).toBe(0);
      q.shutdown(true);
      expect(yield* getter).toBeInstanceOf(QueueShutDownError);
      q._check();
      q2._check();
    });
  });

  it("plain async code: putAsync, getAsync, joinAsync and for await", async () => {
    const q = new Queue<number>(2);
    const consumer = (async () => {
      const got: number[] = [];
      for await (const v of q) {
        got.push(v);
        q.taskDone();
      }
      return got;
    })();
    for (let i = 0; i < 5; i++) await q.putAsync(i);
    await q.joinAsync();
    q.shutdown();
    expect(await consumer).toEqual([0, 1, 2, 3, 4]);
    const q2 = new Queue<string>();
    const pending = q2.getAsync();
    q2.putNowait("x");
    expect(await pending).toBe("x");
  });
});

describe("PriorityQueue and LifoQueue", () => {
  it("PriorityQueue hands out the smallest first; [priority, item] pairs as in asyncio (doc example)", () => {
    const q = new PriorityQueue<[number, string]>();
    q.putNowait([2, "later"]);
    q.putNowait([1, "first"]);
    q.putNowait([3, "last"]);
    q.putNowait([1, "first too"]);
    expect(q.getNowait()).toEqual([1, "first"]);
    expect(q.getNowait()).toEqual([1, "first too"]);
    expect(q.getNowait()).toEqual([2, "later"]);
    expect(q.getNowait()).toEqual([3, "last"]);
  });

  it("PriorityQueue: equal priorities come out in put order; custom compare", () => {
    const q = new PriorityQueue<{ p: number; id: number }>(0, (a, b) => b.p - a.p);
    const items = [3, 1, 3, 2, 3, 1].map((p, id) => ({ p, id }));
    for (const item of items) q.putNowait(item);
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait().id);
    expect(out).toEqual([0, 2, 4, 3, 1, 5]);
  });

  it("PriorityQueue sorts random input", () => {
    const q = new PriorityQueue<number>();
    const input = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
    for (const v of input) q.putNowait(v);
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual([...input].sort((a, b) => a - b));
  });

  it("LifoQueue hands out the newest first (doc example)", async () => {
    await runTest(function* () {
      const q = new LifoQueue<number>();
      q.putNowait(1);
      q.putNowait(2);
      yield* q.put(3);
      expect(yield* q.get()).toBe(3);
      expect(q.getNowait()).toBe(2);
      expect(q.getNowait()).toBe(1);
    });
  });
});
