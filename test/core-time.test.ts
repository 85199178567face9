import {
  type Coroutine,
  call,
  interval,
  type MissedTick,
  now,
  run,
  sleep,
  sleepUntil,
  spawn,
  type Task,
  taskGroup,
  yieldNow,
} from "corio";
import { clock, runTest, waitIdle } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("virtual time", () => {
  it("a one-hour sleep returns at once, and now() moved by exactly one hour", async () => {
    // "At once" without a stopwatch: a real wait would take the hour and hit
    // the test timeout; how fast the jump is lives in bench/.
    const elapsed = await runTest(function* () {
      const t0 = now();
      yield* sleep(60 * 60 * 1000);
      return now() - t0;
    });
    expect(elapsed).toBe(3_600_000);
  });

  it("three counters finish in one sleep, not three", async () => {
    const out: string[] = [];
    const total = await runTest(function* () {
      const t0 = now();
      yield* taskGroup(function* (group) {
        for (let i = 0; i < 3; i++) {
          group.spawn(function* () {
            out.push("One");
            yield* sleep(1000);
            out.push("Two");
          });
        }
      });
      return now() - t0;
    });
    expect(out.join(" ")).toBe("One One One Two Two Two");
    expect(total).toBe(1000);
  });

  it("chained coroutines take as long as the longest chain", async () => {
    function* step(ms: number): Coroutine<number> {
      yield* sleep(ms);
      return ms;
    }
    function* chain(a: number, b: number, c: number): Coroutine<number> {
      return (yield* step(a)) + (yield* step(b)) + (yield* step(c));
    }
    const total = await runTest(function* () {
      const t0 = now();
      yield* taskGroup(function* (group) {
        group.spawn(() => chain(100, 200, 300));
        group.spawn(() => chain(400, 100, 100));
        group.spawn(() => chain(50, 50, 50));
      });
      return now() - t0;
    });
    expect(total).toBe(600);
  });

  it("timers with the same deadline fire in the order they were set", async () => {
    const order: number[] = [];
    await runTest(function* () {
      yield* taskGroup(function* (group) {
        for (let i = 0; i < 50; i++) {
          group.spawn(function* () {
            yield* sleep(i % 2 === 0 ? 700 : 700);
            order.push(i);
          });
        }
      });
    });
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("sleepUntil waits for an absolute time; a past deadline still suspends once", async () => {
    await runTest(function* () {
      yield* sleepUntil(250);
      expect(now()).toBe(250);
      const log: string[] = [];
      const other = spawn(function* () {
        log.push("other");
      });
      yield* sleepUntil(10);
      log.push("after past deadline");
      yield* other;
      expect(log).toEqual(["other", "after past deadline"]);
      expect(now()).toBe(250);
    });
  });

  it("the clock does not jump while a call() is pending", async () => {
    const observed = await runTest(function* () {
      const t0 = now();
      const sleeper = spawn(function* () {
        yield* sleep(10_000);
      });
      yield* call(new Promise((r) => setTimeout(r, 20)));
      const afterCall = now() - t0;
      sleeper.cancel();
      return afterCall;
    });
    expect(observed).toBe(0);
  });

  it("clock.advance steps time by hand; waitIdle waits until others are blocked", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const worker = spawn(function* () {
        for (let i = 0; i < 3; i++) {
          yield* sleep(100);
          log.push(`tick ${now()}`);
        }
      });
      yield* waitIdle();
      expect(log).toEqual([]);
      // A busy task keeps the clock from jumping on its own; advance it by hand.
      const busy = spawn(function* () {
        for (;;) yield* yieldNow();
      });
      yield* clock.advance(100);
      expect(log).toEqual(["tick 100"]);
      yield* clock.advance(250);
      expect(log).toEqual(["tick 100", "tick 200", "tick 300"]);
      expect(clock.now()).toBe(350);
      busy.cancel();
      yield* worker;
    });
  });

  it("a property: random sleeps wake in deadline order (ties in set order), cancelled ones never", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            ms: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5_000_000 })),
            cancelAt: fc.option(fc.integer({ min: 0, max: 6_000_000 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        async (timers) => {
          const woke: number[] = [];
          await runTest(function* () {
            const tasks: Task<void>[] = timers.map((t, i) =>
              spawn(function* () {
                yield* sleep(t.ms);
                woke.push(i);
              }),
            );
            const cancellers = timers.map((t, i) =>
              t.cancelAt === undefined
                ? null
                : spawn(function* () {
                    yield* sleep(t.cancelAt as number);
                    tasks[i]?.cancel();
                  }),
            );
            for (const task of tasks) {
              try {
                yield* task;
              } catch {}
            }
            for (const c of cancellers) c?.cancel();
          });
          // A timer fires unless its canceller's deadline comes strictly first: on
          // a tie the timer was set first, so it fires (and its task runs) first.
          const expected = timers
            .map((t, i) => ({ ...t, i }))
            .filter((t) => t.cancelAt === undefined || t.cancelAt >= t.ms)
            .sort((a, b) => a.ms - b.ms || a.i - b.i)
            .map((t) => t.i);
          expect(woke).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("interval", () => {
  function* ticks(mode: MissedTick, work: number[]): Coroutine<number[]> {
    const iv = interval(100, { missedTick: mode });
    const seen: number[] = [];
    for (const busy of work) {
      seen.push(yield* iv.tick());
      if (busy > 0) yield* sleep(busy);
    }
    return seen.map((t) => Math.round(t));
  }

  it("the first tick is immediate, then one per period", async () => {
    expect(await runTest(() => ticks("burst", [0, 0, 0, 0]))).toEqual([0, 100, 200, 300]);
  });

  it("burst (default) fires missed ticks back to back", async () => {
    // Busy for 350 ms after the first tick: ticks 100, 200, 300 are late.
    const seen = await runTest(function* () {
      const t = yield* ticks("burst", [350, 0, 0, 0, 0]);
      return { t, at: now() };
    });
    expect(seen.t).toEqual([0, 100, 200, 300, 400]);
    expect(seen.at).toBe(400);
  });

  it("delay restarts the period from the late tick", async () => {
    expect(await runTest(() => ticks("delay", [350, 0, 0]))).toEqual([0, 100, 450]);
  });

  it("skip drops missed ticks and keeps the schedule", async () => {
    expect(await runTest(() => ticks("skip", [350, 0, 0]))).toEqual([0, 100, 400]);
  });

  it("a cancelled tick() consumed nothing", async () => {
    await runTest(function* () {
      const iv = interval(100);
      yield* iv.tick();
      const waiter = spawn(function* () {
        return yield* iv.tick();
      });
      yield* sleep(50);
      waiter.cancel();
      expect(Math.round(yield* iv.tick())).toBe(100);
    });
  });

  it("bad periods and modes are clear errors", () => {
    expect(() => interval(0)).toThrow(RangeError);
    expect(() => interval(-5)).toThrow(RangeError);
    expect(() => interval(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => interval(10, { missedTick: "later" as never })).toThrow(/missedTick/);
  });
});

describe("real time", () => {
  it("sleep takes at least its duration on the real clock", async () => {
    const elapsed = await run(function* () {
      const t0 = now();
      yield* sleep(30);
      return now() - t0;
    });
    expect(elapsed).toBeGreaterThanOrEqual(30);
  });

  it("arms no Node timer while nothing waits on time", async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timeouts();
    let during = -1;
    await run(function* () {
      const sleeper = spawn(function* () {
        yield* sleep(60_000);
      });
      yield* yieldNow();
      sleeper.cancel();
      yield* call(new Promise((r) => setImmediate(r)));
      during = timeouts();
    });
    expect(during).toBe(before);
    expect(timeouts()).toBe(before);
  });

  it("bad durations are clear errors", () => {
    expect(() => sleep(-1)).toThrow(RangeError);
    expect(() => sleep(Number.NaN)).toThrow(RangeError);
    expect(() => sleep(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => sleep("10" as never)).toThrow(RangeError);
    expect(() => sleepUntil(Number.NaN)).toThrow(RangeError);
  });
});
