/**
 * Semaphore.close() and forget(n), with tests ported from Tokio's
 * tests/sync_semaphore.rs (close, forget) and cancel safety of acquire
 * against a close and inside select/timeout.
 */
import {
  type Coroutine,
  type Future,
  Semaphore,
  SemaphoreClosedError,
  select,
  sleep,
  spawn,
  TimeoutError,
  timeout,
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

describe("Semaphore.close", () => {
  it("wakes waiting acquires with SemaphoreClosedError; later acquire and tryAcquire fail too", async () => {
    await runTest(function* () {
      const sem = new Semaphore(1);
      const held = yield* sem.acquire();
      const waiters = [1, 2].map(() => spawn(() => caught(() => sem.acquire())));
      yield* waitIdle();
      expect(sem.statistics().waiting).toBe(2);
      sem.close();
      expect(sem.closed).toBe(true);
      for (const w of waiters) {
        const e = yield* w;
        expect(e).toBeInstanceOf(SemaphoreClosedError);
        expect((e as Error).message).toMatch(/semaphore#\d+ is closed/);
      }
      expect(sem.statistics()).toEqual({ available: 0, waiting: 0 });
      expect(yield* caught(() => sem.acquire())).toBeInstanceOf(SemaphoreClosedError);
      expect(() => sem.tryAcquire()).toThrow(SemaphoreClosedError);
      // A permit held before the close stays valid and goes back.
      held.release();
      expect(sem.available).toBe(1);
      expect(() => sem.tryAcquire()).toThrow(SemaphoreClosedError);
      sem.close(); // twice: nothing more
      sem._check();
    });
  });

  // tokio: close_semaphore_prevents_acquire
  it("acquire on a closed semaphore with free permits fails and leaves the permits", async () => {
    await runTest(function* () {
      const sem = new Semaphore(5);
      sem.close();
      expect(yield* caught(() => sem.acquire(1))).toBeInstanceOf(SemaphoreClosedError);
      expect(sem.available).toBe(5);
    });
  });

  // tokio: close_semaphore_notifies_permit1 / notifies_permit2 (a many-permit waiter)
  it("a waiter asking for many permits is woken by close", async () => {
    await runTest(function* () {
      const sem = new Semaphore(1);
      const big = spawn(() => caught(() => sem.acquire(3)));
      yield* waitIdle();
      sem.close();
      expect(yield* big).toBeInstanceOf(SemaphoreClosedError);
      expect(sem.available).toBe(1);
    });
  });

  it("a waiter already granted its permits before the close keeps them", async () => {
    await runTest(function* () {
      const sem = new Semaphore(1);
      const held = yield* sem.acquire();
      const w = spawn(function* () {
        const p = yield* sem.acquire();
        return p.permits;
      });
      yield* waitIdle();
      held.release(); // set aside for w, which has not polled yet
      sem.close();
      expect(yield* w).toBe(1);
    });
  });

  it("acquireAsync rejects once closed", async () => {
    const sem = new Semaphore(0);
    const p = sem.acquireAsync();
    sem.close();
    await expect(p).rejects.toBeInstanceOf(SemaphoreClosedError);
  });

  it("an acquire cancelled by select or timeout held nothing and kept nobody else's place", async () => {
    await runTest(function* () {
      const sem = new Semaphore(1);
      const held = yield* sem.acquire();
      const got = yield* select({ acquire: sem.acquire(), tick: sleep(5) });
      expect(got.key).toBe("tick");
      expect(yield* caught(() => timeout(5, sem.acquire()))).toBeInstanceOf(TimeoutError);
      expect(sem.statistics()).toEqual({ available: 0, waiting: 0 });
      const later = spawn(() => sem.acquire());
      yield* waitIdle();
      held.release();
      const p = yield* later;
      expect(p.permits).toBe(1);
      p.release();
      expect(sem.available).toBe(1);
      sem._check();
    });
  });
});

describe("Semaphore.forget", () => {
  // tokio: forget_permits_basic
  it("removes up to n free permits and says how many", async () => {
    await runTest(function* () {
      const sem = new Semaphore(10);
      expect(sem.forget(4)).toBe(4);
      expect(sem.available).toBe(6);
      expect(sem.forget(10)).toBe(6);
      expect(sem.available).toBe(0);
      expect(sem.forget(0)).toBe(0);
    });
  });

  // tokio: update_permits_many / forget with held permits
  it("does not touch held permits: they come back after the forget", async () => {
    await runTest(function* () {
      const sem = new Semaphore(3);
      const p = yield* sem.acquire(2);
      expect(sem.forget(3)).toBe(1);
      expect(sem.available).toBe(0);
      p.release();
      expect(sem.available).toBe(2);
      sem._check();
    });
  });

  it("rejects a negative, NaN or fractional count, naming the value", () => {
    const sem = new Semaphore(1);
    expect(() => sem.forget(-1)).toThrow(/Semaphore.forget\(n\).*got -1/);
    expect(() => sem.forget(Number.NaN)).toThrow(RangeError);
    expect(() => sem.forget(1.5)).toThrow(/got 1.5/);
    expect(sem.available).toBe(1);
  });
});
