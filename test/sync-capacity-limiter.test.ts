/**
 * CapacityLimiter, with Trio's test_CapacityLimiter and
 * test_CapacityLimiter_change_total_tokens ported (a task per borrower).
 */
import {
  AlreadyReleasedError,
  CapacityLimiter,
  type CapacityToken,
  type Coroutine,
  type Future,
  select,
  sleep,
  spawn,
  type Task,
} from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

function* caught(body: () => Coroutine<unknown> | Future<unknown>): Coroutine<unknown> {
  try {
    return yield* body();
  } catch (e) {
    return e;
  }
}

/** A task that takes a token and holds it until `release` is set. */
function borrower(c: CapacityLimiter, done: { release: Set<number> }, i: number): Task<void> {
  return spawn(function* () {
    using _token = yield* c.acquire();
    while (!done.release.has(i)) yield* sleep(1);
  });
}

describe("CapacityLimiter", () => {
  it("rejects a bad total, naming the value", () => {
    expect(() => new CapacityLimiter(0)).toThrow(/new CapacityLimiter\(total\).*got 0/);
    expect(() => new CapacityLimiter(-1)).toThrow(RangeError);
    expect(() => new CapacityLimiter(1.5)).toThrow(/got 1.5/);
    expect(() => new CapacityLimiter(Number.NaN)).toThrow(/got NaN/);
    const c = new CapacityLimiter(2);
    expect(() => {
      c.total = 0;
    }).toThrow(/CapacityLimiter.total.*got 0/);
    expect(() => {
      c.total = -10;
    }).toThrow(RangeError);
    expect(c.total).toBe(2);
    expect(new CapacityLimiter(Infinity).total).toBe(Infinity);
  });

  // trio: test_CapacityLimiter
  it("lends one token per task, up to total; a second acquire by the same task is an error", async () => {
    await runTest(function* () {
      const c = new CapacityLimiter(2);
      expect([c.total, c.borrowed, c.available]).toEqual([2, 0, 2]);
      const t = c.tryAcquire() as CapacityToken;
      expect(t.held).toBe(true);
      expect([c.borrowed, c.available]).toEqual([1, 1]);
      expect(() => c.tryAcquire()).toThrow(/already holds a token/);
      expect(yield* caught(() => c.acquire())).toBeInstanceOf(Error);
      expect(c.borrowed).toBe(1);
      const other = spawn(function* () {
        return c.tryAcquire();
      });
      const t2 = (yield* other) as CapacityToken;
      expect(c.borrowed).toBe(2);
      const third = spawn(function* () {
        return c.tryAcquire();
      });
      expect(yield* third).toBeNull(); // full: would block
      // Queueing: a waiter gets the token released first.
      const waiter = spawn(function* () {
        const tok = yield* c.acquire();
        tok.release();
        return "got it";
      });
      yield* waitIdle();
      expect(c.statistics()).toEqual({ borrowed: 2, total: 2, waiting: 1 });
      t.release();
      expect(yield* waiter).toBe("got it");
      expect(() => t.release()).toThrow(AlreadyReleasedError);
      t2.release();
      expect(c.statistics()).toEqual({ borrowed: 0, total: 2, waiting: 0 });
      // Released: this task may borrow again.
      using again = yield* c.acquire();
      expect(again.held).toBe(true);
    });
  });

  // trio: test_CapacityLimiter_change_total_tokens
  it("raising total wakes waiters; lowering it below borrowed takes effect as tokens come back", async () => {
    await runTest(function* () {
      const c = new CapacityLimiter(2);
      const done = { release: new Set<number>() };
      const tasks: Task<void>[] = [];
      for (let i = 0; i < 5; i++) {
        tasks.push(borrower(c, done, i));
        yield* waitIdle();
      }
      expect(c.statistics()).toEqual({ borrowed: 2, total: 2, waiting: 3 });
      c.total += 2;
      yield* waitIdle();
      expect(c.statistics()).toEqual({ borrowed: 4, total: 4, waiting: 1 });
      c.total -= 3;
      expect(c.total).toBe(1);
      expect(c.borrowed).toBe(4);
      for (const i of [0, 1, 2]) done.release.add(i);
      for (const i of [0, 1, 2]) yield* tasks[i];
      expect(c.statistics()).toEqual({ borrowed: 1, total: 1, waiting: 1 });
      done.release.add(3);
      yield* tasks[3];
      yield* waitIdle();
      expect(c.statistics()).toEqual({ borrowed: 1, total: 1, waiting: 0 });
      done.release.add(4);
      yield* tasks[4];
      expect(c.statistics()).toEqual({ borrowed: 0, total: 1, waiting: 0 });
      expect(c.available).toBe(1);
      // Lowered then raised again: the debt is paid before new tokens are freed.
      const hold = c.tryAcquire() as CapacityToken;
      c.total = 1;
      c.total = 3;
      expect(c.available).toBe(2);
      hold.release();
      expect(c.available).toBe(3);
    });
  });

  it("an acquire cancelled by select held nothing and lost no waiter's place", async () => {
    await runTest(function* () {
      const c = new CapacityLimiter(1);
      const holder = c.tryAcquire() as CapacityToken;
      const queued = spawn(function* () {
        const tok = yield* c.acquire();
        tok.release();
        return "served";
      });
      yield* waitIdle();
      const lost = spawn(function* () {
        return (yield* select({ token: c.acquire(), tick: sleep(5) })).key;
      });
      expect(yield* lost).toBe("tick");
      expect(c.statistics()).toEqual({ borrowed: 1, total: 1, waiting: 1 });
      holder.release();
      expect(yield* queued).toBe("served");
      expect(c.statistics()).toEqual({ borrowed: 0, total: 1, waiting: 0 });
    });
  });

  it("acquireAsync from plain async code: each call its own borrower", async () => {
    const c = new CapacityLimiter(1);
    const a = await c.acquireAsync();
    const b = c.acquireAsync();
    expect(c.statistics().waiting).toBe(1);
    a.release();
    (await b).release();
    expect(c.borrowed).toBe(0);
  });
});
