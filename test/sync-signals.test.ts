/**
 * Notify (Tokio's stored permit), Event, Barrier and Condition: semantics,
 * cancellation at every point, bad input, statistics.
 */
import {
  AlreadyReleasedError,
  Barrier,
  Condition,
  type Coroutine,
  Event,
  Mutex,
  Notify,
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

describe("Notify", () => {
  it("notifyOne wakes a waiter (doc example)", async () => {
    const log = await runTest(function* () {
      const ready = new Notify();
      const log: string[] = [];
      const t = spawn(function* () {
        yield* ready.notified();
        log.push("go");
      });
      yield* waitIdle();
      ready.notifyOne();
      yield* t;
      return log;
    });
    expect(log).toEqual(["go"]);
  });

  it("notifyOne with nobody waiting stores one permit (not more)", async () => {
    await runTest(function* () {
      const n = new Notify();
      n.notifyOne();
      n.notifyOne();
      expect(n.statistics()).toEqual({ waiting: 0, permit: true });
      yield* n.notified(); // consumes the permit at once
      expect(n.statistics().permit).toBe(false);
      const t = spawn(function* () {
        yield* n.notified();
      });
      yield* waitIdle();
      expect(t.state).toBe("waiting");
      n.notifyOne();
      yield* t;
    });
  });

  it("notifyOne wakes waiters first come, first served", async () => {
    const order = await runTest(function* () {
      const n = new Notify();
      const order: string[] = [];
      for (const name of ["a", "b", "c"]) {
        spawn(function* () {
          yield* n.notified();
          order.push(name);
        });
        yield* waitIdle();
      }
      n.notifyOne();
      yield* waitIdle();
      n.notifyOne();
      n.notifyOne();
      yield* waitIdle();
      return order;
    });
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("notifyAll wakes every waiter and every future created before it; stores no permit", async () => {
    await runTest(function* () {
      const n = new Notify();
      const early = n.notified(); // created, not polled yet
      const tasks = [0, 1].map(() =>
        spawn(function* () {
          yield* n.notified();
        }),
      );
      yield* waitIdle();
      n.notifyAll();
      for (const t of tasks) yield* t;
      yield* early; // completes: created before notifyAll
      expect(n.statistics()).toEqual({ waiting: 0, permit: false });
      const late = spawn(function* () {
        yield* n.notified();
      });
      yield* waitIdle();
      expect(late.state).toBe("waiting");
      late.cancel();
    });
  });

  it("a waiter picked by notifyOne and cancelled before it ran passes it on", async () => {
    await runTest(function* () {
      const n = new Notify();
      const a = spawn(function* () {
        yield* n.notified();
      });
      yield* waitIdle();
      const b = spawn(function* () {
        yield* n.notified();
        return "b";
      });
      yield* waitIdle();
      n.notifyOne();
      a.cancel();
      yield* settled(a);
      expect(yield* b).toBe("b");
    });
  });

  it("...or, with nobody behind it, stores the permit", async () => {
    await runTest(function* () {
      const n = new Notify();
      const a = spawn(function* () {
        yield* n.notified();
      });
      yield* waitIdle();
      n.notifyOne();
      a.cancel();
      yield* settled(a);
      expect(n.statistics()).toEqual({ waiting: 0, permit: true });
    });
  });

  it("a waiter cancelled while waiting leaves no entry", async () => {
    await runTest(function* () {
      const n = new Notify();
      const a = spawn(function* () {
        yield* n.notified();
      });
      yield* waitIdle();
      a.cancel();
      yield* settled(a);
      expect(n.statistics().waiting).toBe(0);
      n.notifyOne();
      expect(n.statistics().permit).toBe(true);
    });
  });
});

describe("Event", () => {
  it("set wakes every waiter; wait on a set event is immediate (doc example)", async () => {
    await runTest(function* () {
      const started = new Event();
      const woke: number[] = [];
      const tasks = [1, 2, 3].map((i) =>
        spawn(function* () {
          yield* started.wait();
          woke.push(i);
        }),
      );
      yield* waitIdle();
      expect(started.statistics()).toEqual({ isSet: false, waiting: 3 });
      started.set();
      started.set();
      for (const t of tasks) yield* t;
      expect(woke).toEqual([1, 2, 3]);
      expect(started.isSet()).toBe(true);
      yield* started.wait();
    });
  });

  it("a waiter woken by set completes even if the event was cleared before it ran", async () => {
    await runTest(function* () {
      const e = new Event();
      const t = spawn(function* () {
        yield* e.wait();
        return "woke";
      });
      yield* waitIdle();
      e.set();
      e.clear();
      expect(yield* t).toBe("woke");
      const later = spawn(function* () {
        yield* e.wait();
      });
      yield* waitIdle();
      expect(later.state).toBe("waiting");
      later.cancel();
      yield* settled(later);
      expect(e.statistics().waiting).toBe(0);
    });
  });

  it("waitAsync from plain async code", async () => {
    const e = new Event();
    setTimeout(() => e.set(), 1);
    await e.waitAsync();
    expect(e.isSet()).toBe(true);
  });
});

describe("Barrier", () => {
  it("releases all parties together, one leader per round, and resets", async () => {
    const log = await runTest(function* () {
      const b = new Barrier(3);
      const log: string[] = [];
      const tasks = [0, 1, 2].map((i) =>
        spawn(function* () {
          for (let round = 0; round < 2; round++) {
            yield* sleep(i * 10);
            const { isLeader } = yield* b.wait();
            log.push(`${round}:${isLeader ? "leader" : "follower"}`);
          }
        }),
      );
      for (const t of tasks) yield* t;
      expect(b.statistics()).toEqual({ parties: 3, arrived: 0, generation: 2, waiting: 0 });
      return log;
    });
    expect(log.filter((l) => l.endsWith("leader")).length).toBe(2);
    expect(log.filter((l) => l.startsWith("0:")).length).toBe(3);
    expect(log.slice(0, 3).every((l) => l.startsWith("0:"))).toBe(true);
  });

  it("a waiter cancelled before the barrier opened withdraws its arrival", async () => {
    await runTest(function* () {
      const b = new Barrier(2);
      const a = spawn(function* () {
        yield* b.wait();
      });
      yield* waitIdle();
      expect(b.statistics().arrived).toBe(1);
      a.cancel();
      yield* settled(a);
      expect(b.statistics().arrived).toBe(0);
      const c = spawn(function* () {
        return (yield* b.wait()).isLeader;
      });
      yield* waitIdle();
      expect(c.state).toBe("waiting"); // still needs a second party
      const { isLeader } = yield* b.wait();
      expect(isLeader).toBe(true);
      expect(yield* c).toBe(false);
    });
  });

  it("parties must be an integer >= 1; a barrier of 1 never waits", async () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(1.5)).toThrow(RangeError);
    await runTest(function* () {
      expect((yield* new Barrier(1).wait()).isLeader).toBe(true);
    });
  });
});

describe("Condition", () => {
  it("waitFor / notify hand work from a producer to a consumer (doc example)", async () => {
    const got = await runTest(function* () {
      const cond = new Condition(new Mutex<string[]>([]));
      const consumer = spawn(function* () {
        using guard = yield* cond.lock();
        yield* cond.waitFor(guard, () => guard.value.length > 0);
        return guard.value.shift();
      });
      yield* waitIdle();
      expect(cond.statistics()).toEqual({ waiting: 1, locked: false });
      {
        using g = yield* cond.lock();
        g.value.push("job");
        cond.notify();
      }
      return yield* consumer;
    });
    expect(got).toBe("job");
  });

  it("wait releases the lock while waiting and holds it again after", async () => {
    await runTest(function* () {
      const cond = new Condition();
      const t = spawn(function* () {
        using guard = yield* cond.lock();
        yield* cond.wait(guard);
        expect(guard.held).toBe(true);
        expect(cond.mutex.locked).toBe(true);
      });
      yield* waitIdle();
      expect(cond.mutex.locked).toBe(false); // released while waiting
      const g = yield* cond.lock();
      cond.notifyAll();
      yield* yieldNow();
      expect(t.state).not.toBe("done"); // notified, but waits for the lock
      g.release();
      yield* t;
      expect(cond.mutex.locked).toBe(false);
    });
  });

  it("notify(n) wakes n waiters in arrival order; notifyAll wakes the rest", async () => {
    const order = await runTest(function* () {
      const cond = new Condition();
      const order: string[] = [];
      for (const name of ["a", "b", "c", "d"]) {
        spawn(function* () {
          using guard = yield* cond.lock();
          yield* cond.wait(guard);
          order.push(name);
        });
        yield* waitIdle();
      }
      cond.notify(2);
      yield* waitIdle();
      expect(order).toEqual(["a", "b"]);
      cond.notifyAll();
      yield* waitIdle();
      return order;
    });
    expect(order).toEqual(["a", "b", "c", "d"]);
  });

  it("a cancelled wait takes the lock again before its finally runs", async () => {
    await runTest(function* () {
      const cond = new Condition(new Mutex(0));
      const log: string[] = [];
      const t = spawn(function* () {
        const guard = yield* cond.lock();
        try {
          yield* cond.wait(guard);
        } finally {
          log.push(`held in finally: ${guard.held}`);
          guard.release();
        }
      });
      yield* waitIdle();
      const blocker = yield* cond.lock();
      t.cancel();
      yield* sleep(5);
      expect(log).toEqual([]); // waiting for the lock to clean up
      blocker.release();
      yield* settled(t);
      expect(t.state).toBe("cancelled");
      expect(log).toEqual(["held in finally: true"]);
      expect(cond.statistics()).toEqual({ waiting: 0, locked: false });
    });
  });

  it("a waiter picked by notify and cancelled before it ran passes the notification on", async () => {
    await runTest(function* () {
      const cond = new Condition();
      const woke: string[] = [];
      const tasks = ["a", "b"].map((name) =>
        spawn(function* () {
          using guard = yield* cond.lock();
          yield* cond.wait(guard);
          woke.push(name);
        }),
      );
      yield* waitIdle();
      cond.notify();
      tasks[0]?.cancel();
      yield* waitIdle();
      expect(woke).toEqual(["b"]);
      for (const t of tasks) yield* settled(t);
    });
  });

  it("wait checks its guard", async () => {
    await runTest(function* () {
      const cond = new Condition();
      const other = new Mutex();
      const foreign = yield* other.lock();
      let error: unknown;
      try {
        yield* cond.wait(foreign as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      const mine = yield* cond.lock();
      mine.release();
      try {
        yield* cond.wait(mine);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AlreadyReleasedError);
      expect(() => cond.notify(-1)).toThrow(RangeError);
      expect(() => new Condition({} as never)).toThrow(TypeError);
    });
  });
});
