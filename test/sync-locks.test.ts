/**
 * Mutex, RwLock and Semaphore: exclusion, FIFO hand-off, guards and permits
 * (release, `using`, double release), cancellation of waiters at every point,
 * bad input, statistics, plain async code.
 */
import {
  AlreadyReleasedError,
  type Coroutine,
  Mutex,
  type MutexGuard,
  RwLock,
  Semaphore,
  select,
  sleep,
  spawn,
  type Task,
  yieldNow,
} from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

function* settled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch {}
}

describe("Mutex", () => {
  it("protects a read-yield-write section (doc example)", async () => {
    const value = await runTest(
      function* () {
        const counter = new Mutex(0);
        const tasks = Array.from({ length: 10 }, () =>
          spawn(function* () {
            for (let i = 0; i < 10; i++) {
              const guard = yield* counter.lock();
              try {
                const v = guard.value;
                yield* yieldNow();
                guard.value = v + 1;
              } finally {
                guard.release();
              }
            }
          }),
        );
        for (const t of tasks) yield* t;
        using guard = yield* counter.lock();
        return guard.value;
      },
      { seed: 11 },
    );
    expect(value).toBe(100);
  });

  it("hands the lock to waiters in arrival order; the releaser cannot barge back in", async () => {
    const order = await runTest(function* () {
      const m = new Mutex();
      const order: string[] = [];
      const first = yield* m.lock();
      for (const name of ["a", "b", "c"]) {
        spawn(function* () {
          using _ = yield* m.lock();
          order.push(name);
          yield* yieldNow();
        });
        yield* waitIdle();
      }
      first.release();
      // The lock was handed to "a": this task waits behind b and c.
      expect(m.tryLock()).toBeNull();
      using _ = yield* m.lock();
      order.push("releaser");
      return order;
    });
    expect(order).toEqual(["a", "b", "c", "releaser"]);
  });

  it("using releases at the end of the block; an explicit release inside is fine", async () => {
    await runTest(function* () {
      const m = new Mutex(1);
      {
        using guard = yield* m.lock();
        guard.value = 2;
        expect(m.locked).toBe(true);
      }
      expect(m.locked).toBe(false);
      {
        using guard = yield* m.lock();
        guard.release();
        expect(m.locked).toBe(false);
      }
      expect(m.locked).toBe(false);
    });
  });

  it("releasing a guard twice, or using it after release, throws AlreadyReleasedError", async () => {
    await runTest(function* () {
      const m = new Mutex(5);
      const guard = yield* m.lock();
      guard.release();
      expect(guard.held).toBe(false);
      expect(() => guard.release()).toThrow(AlreadyReleasedError);
      expect(() => guard.value).toThrow(AlreadyReleasedError);
      expect(() => {
        guard.value = 1;
      }).toThrow(/already released/);
      // The second release did not unlock somebody else's hold.
      const other = yield* m.lock();
      expect(() => guard.release()).toThrow(AlreadyReleasedError);
      expect(m.locked).toBe(true);
      other.release();
    });
  });

  it("tryLock succeeds only when free and nobody waits", async () => {
    await runTest(function* () {
      const m = new Mutex("v");
      const g = m.tryLock() as MutexGuard<string>;
      expect(g.value).toBe("v");
      expect(m.tryLock()).toBeNull();
      g.release();
      expect(m.tryLock()).not.toBeNull();
    });
  });

  it("a lock cancelled while waiting leaves the line", async () => {
    await runTest(function* () {
      const m = new Mutex();
      const held = yield* m.lock();
      const t = spawn(function* () {
        yield* m.lock();
      });
      yield* waitIdle();
      expect(m.statistics()).toEqual({ locked: true, waiting: 1 });
      t.cancel();
      yield* settled(t);
      expect(m.statistics()).toEqual({ locked: true, waiting: 0 });
      held.release();
      expect(m.locked).toBe(false);
    });
  });

  it("a lock handed over and cancelled before it ran passes the lock on", async () => {
    await runTest(function* () {
      const m = new Mutex();
      const held = yield* m.lock();
      const a = spawn(function* () {
        using _ = yield* m.lock();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        using _ = yield* m.lock();
        return "b got it";
      });
      yield* waitIdle();
      held.release(); // handed to a...
      a.cancel(); // ...which is cancelled before its poll
      yield* settled(a);
      expect(yield* b).toBe("b got it");
      expect(m.statistics()).toEqual({ locked: false, waiting: 0 });
    });
  });

  it("a lock losing a select holds nothing", async () => {
    await runTest(function* () {
      const m = new Mutex();
      const held = yield* m.lock();
      const got = yield* select({ lock: m.lock(), tick: sleep(5) });
      expect(got.key).toBe("tick");
      held.release();
      expect(m.statistics()).toEqual({ locked: false, waiting: 0 });
    });
  });

  it("lockAsync from plain async code", async () => {
    const m = new Mutex(0);
    const bump = async () => {
      const g = await m.lockAsync();
      const v = g.value;
      await new Promise((r) => setTimeout(r, 1));
      g.value = v + 1;
      g.release();
    };
    await Promise.all([bump(), bump(), bump()]);
    expect(m.tryLock()?.value).toBe(3);
  });
});

describe("RwLock", () => {
  it("admits many readers or one writer (doc example)", async () => {
    await runTest(function* () {
      const config = new RwLock({ retries: 3 });
      const r1 = yield* config.read();
      const r2 = yield* config.read();
      expect(config.statistics()).toEqual({ readers: 2, writer: false, waiting: 0 });
      expect(config.tryWrite()).toBeNull();
      r1.release();
      r2.release();
      {
        using w = yield* config.write();
        w.value = { retries: 5 };
        expect(config.tryRead()).toBeNull();
        expect(config.statistics().writer).toBe(true);
      }
      using r = yield* config.read();
      expect(r.value.retries).toBe(5);
    });
  });

  it("a waiting writer holds back later readers; queued readers go in together", async () => {
    const log = await runTest(function* () {
      const lock = new RwLock();
      const log: string[] = [];
      const r0 = yield* lock.read();
      spawn(function* () {
        using _ = yield* lock.write();
        log.push("writer in");
        yield* sleep(10);
        log.push("writer out");
      });
      yield* waitIdle();
      for (const name of ["r1", "r2"]) {
        spawn(function* () {
          using _ = yield* lock.read();
          log.push(`${name} in`);
          yield* sleep(1);
        });
      }
      yield* waitIdle();
      expect(lock.tryRead()).toBeNull(); // the writer waits: no barging
      log.push("r0 out");
      r0.release();
      yield* sleep(20);
      return log;
    });
    expect(log).toEqual(["r0 out", "writer in", "writer out", "r1 in", "r2 in"]);
  });

  it("guards release once; maxReaders is checked", async () => {
    await runTest(function* () {
      const lock = new RwLock(0, { maxReaders: 2 });
      const a = yield* lock.read();
      const b = yield* lock.read();
      expect(lock.tryRead()).toBeNull();
      a.release();
      expect(() => a.release()).toThrow(AlreadyReleasedError);
      b.release();
      const w = yield* lock.write();
      w.release();
      expect(() => w.value).toThrow(AlreadyReleasedError);
    });
    expect(() => new RwLock(0, { maxReaders: 0 })).toThrow(RangeError);
  });

  it("a writer cancelled while waiting lets the readers behind it in", async () => {
    await runTest(function* () {
      const lock = new RwLock();
      const r0 = yield* lock.read();
      const writer = spawn(function* () {
        yield* lock.write();
      });
      yield* waitIdle();
      const reader = spawn(function* () {
        using _ = yield* lock.read();
        return "read";
      });
      yield* waitIdle();
      expect(lock.statistics().waiting).toBe(2);
      writer.cancel();
      yield* settled(writer);
      expect(yield* reader).toBe("read");
      r0.release();
      expect(lock.statistics()).toEqual({ readers: 0, writer: false, waiting: 0 });
    });
  });
});

describe("Semaphore", () => {
  it("bounds concurrency (doc example)", async () => {
    const peak = await runTest(function* () {
      const limit = new Semaphore(3);
      let running = 0;
      let peak = 0;
      const tasks = Array.from({ length: 10 }, () =>
        spawn(function* () {
          using _ = yield* limit.acquire();
          running++;
          peak = Math.max(peak, running);
          yield* sleep(5);
          running--;
        }),
      );
      for (const t of tasks) yield* t;
      expect(limit.available).toBe(3);
      return peak;
    });
    expect(peak).toBe(3);
  });

  it("acquire(k) is FIFO: a big request holds back smaller ones behind it", async () => {
    const order = await runTest(function* () {
      const sem = new Semaphore(2);
      const order: string[] = [];
      const held = yield* sem.acquire(2);
      spawn(function* () {
        using _ = yield* sem.acquire(2);
        order.push("big");
      });
      yield* waitIdle();
      spawn(function* () {
        using _ = yield* sem.acquire(1);
        order.push("small");
      });
      yield* waitIdle();
      expect(sem.tryAcquire(1)).toBeNull();
      held.release();
      yield* waitIdle();
      return order;
    });
    expect(order).toEqual(["big", "small"]);
  });

  it("a big waiter cancelled at the head lets the smaller ones behind it through", async () => {
    await runTest(function* () {
      const sem = new Semaphore(1);
      const big = spawn(function* () {
        yield* sem.acquire(2);
      });
      yield* waitIdle();
      const small = spawn(function* () {
        const p = yield* sem.acquire(1);
        p.release();
        return "small";
      });
      yield* waitIdle();
      expect(sem.statistics()).toEqual({ available: 1, waiting: 2 });
      big.cancel();
      yield* settled(big);
      expect(yield* small).toBe("small");
      sem._check();
    });
  });

  it("permits set aside for a cancelled waiter go to the next one", async () => {
    await runTest(function* () {
      const sem = new Semaphore(0);
      const a = spawn(function* () {
        yield* sem.acquire();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        const p = yield* sem.acquire();
        return p.permits;
      });
      yield* waitIdle();
      sem.addPermits(1); // for a...
      a.cancel(); // ...cancelled before its poll
      yield* settled(a);
      expect(yield* b).toBe(1);
      expect(sem.statistics()).toEqual({ available: 0, waiting: 0 });
    });
  });

  it("a permit releases once; tryAcquire and addPermits", async () => {
    await runTest(function* () {
      const sem = new Semaphore(2);
      const p = sem.tryAcquire(2);
      expect(p?.permits).toBe(2);
      expect(sem.tryAcquire()).toBeNull();
      p?.release();
      expect(p?.permits).toBe(0);
      expect(() => p?.release()).toThrow(AlreadyReleasedError);
      expect(sem.available).toBe(2);
      sem.addPermits(3);
      expect(sem.available).toBe(5);
      {
        using q = yield* sem.acquire(5);
        expect(q.permits).toBe(5);
      }
      expect(sem.available).toBe(5);
    });
  });

  it("bad counts are RangeErrors", () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    const sem = new Semaphore(0); // 0 is meaningful: wait for addPermits
    expect(() => sem.acquire(0)).toThrow(RangeError);
    expect(() => sem.acquire(2.5)).toThrow(RangeError);
    expect(() => sem.tryAcquire(-1)).toThrow(RangeError);
    expect(() => sem.addPermits(-1)).toThrow(RangeError);
  });

  it("acquireAsync from plain async code", async () => {
    const sem = new Semaphore(1);
    const p = await sem.acquireAsync();
    const second = sem.acquireAsync();
    expect(sem.statistics().waiting).toBe(1);
    p.release();
    (await second).release();
    expect(sem.available).toBe(1);
  });
});
