/**
 * `clock.advance` under `runTest`: every timer due at or before the new time
 * fires (deadline order, FIFO on ties) before `waitIdle()` returns, also a
 * timer whose deadline had already passed when it was set, with no periodic
 * check needed. Modelled on Tokio's `time_timeout::deadline_now_elapses` and
 * its `MissedTickBehavior` diagrams (tests/time_interval.rs).
 */
import {
  type Interval,
  interval,
  type MissedTick,
  now,
  select,
  sleep,
  sleepUntil,
  spawn,
  TimeoutError,
  timeout,
  yieldNow,
} from "corio";
import { pending } from "corio/lowlevel";
import { clock, runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("clock.advance fires what is due before waitIdle returns", () => {
  it("a sleepUntil in the past, set after the clock moved with no timer filed", async () => {
    const log: string[] = [];
    await runTest(function* () {
      yield* clock.advance(100);
      spawn(function* () {
        yield* sleepUntil(50);
        log.push(`woke ${now()}`);
      });
      yield* waitIdle();
      expect(log).toEqual(["woke 100"]);
    });
  });

  it("a deadline passed still suspends once: the tasks already ready run first", async () => {
    const log: string[] = [];
    await runTest(function* () {
      yield* clock.advance(100);
      spawn(function* () {
        log.push("before");
        yield* sleepUntil(100); // exactly now
        log.push(`after@${now()}`);
      });
      spawn(function* () {
        log.push("other");
      });
      yield* waitIdle();
      expect(log).toEqual(["before", "other", "after@100"]);
    });
  });

  it("a due timer fires in a step or two even while another task is always ready", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const busy = spawn(function* () {
        for (;;) yield* yieldNow();
      });
      yield* clock.advance(1000);
      spawn(function* () {
        yield* sleepUntil(10);
        log.push(`woke ${now()}`);
      });
      // Not the executor's periodic timer check (every 64 steps): two batches.
      yield* yieldNow();
      yield* yieldNow();
      expect(log).toEqual(["woke 1000"]);
      busy.cancel();
    });
  });

  it("timeout(0, body) elapses at once after an advance (Tokio's deadline_now_elapses)", async () => {
    const outcome: unknown[] = [];
    await runTest(function* () {
      yield* clock.advance(500);
      spawn(function* () {
        try {
          yield* timeout(0, pending());
        } catch (error) {
          outcome.push(error);
        }
      });
      yield* waitIdle();
      expect(outcome).toHaveLength(1);
      expect(outcome[0]).toBeInstanceOf(TimeoutError);

      // A deadline 10 ms ahead is pending until the clock reaches it exactly.
      spawn(function* () {
        try {
          yield* timeout(10, pending());
        } catch (error) {
          outcome.push(error);
        }
      });
      yield* waitIdle();
      expect(outcome).toHaveLength(1);
      yield* clock.advance(9);
      yield* waitIdle();
      expect(outcome).toHaveLength(1);
      yield* clock.advance(1);
      yield* waitIdle();
      expect(outcome).toHaveLength(2);
      expect(outcome[1]).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(510);
    });
  });

  it("timers due within an advance fire in deadline order, ties in the order set", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const sleeper = (name: string, at: number) =>
        spawn(function* () {
          yield* sleepUntil(at);
          log.push(`${name}@${now()}`);
        });
      sleeper("c", 30);
      sleeper("a1", 10);
      sleeper("b", 20);
      sleeper("a2", 10);
      sleeper("late", 51);
      yield* waitIdle();
      yield* clock.advance(50);
      yield* waitIdle();
      expect(log).toEqual(["a1@10", "a2@10", "b@20", "c@30"]);
      expect(now()).toBe(50);
      yield* clock.advance(1);
      yield* waitIdle();
      expect(log).toEqual(["a1@10", "a2@10", "b@20", "c@30", "late@51"]);
    });
  });

  it("an interval's first tick is immediate after an advance, and a tick due exactly at the new time fires", async () => {
    const log: number[] = [];
    await runTest(function* () {
      yield* clock.advance(1000);
      const ticker = spawn(function* () {
        const iv = interval(100);
        for (;;) log.push(yield* iv.tick());
      });
      yield* waitIdle();
      expect(log).toEqual([1000]);
      yield* clock.advance(99);
      yield* waitIdle();
      expect(log).toEqual([1000]);
      yield* clock.advance(1);
      yield* waitIdle();
      expect(log).toEqual([1000, 1100]);
      yield* clock.advance(200);
      yield* waitIdle();
      expect(log).toEqual([1000, 1100, 1200, 1300]);
      ticker.cancel();
    });
  });

  it("sleep(ms) set inside the advanced span wakes within the same advance", async () => {
    const log: number[] = [];
    await runTest(function* () {
      spawn(function* () {
        for (let i = 0; i < 3; i++) {
          yield* sleep(40);
          log.push(now());
        }
      });
      yield* waitIdle();
      yield* clock.advance(100);
      yield* waitIdle();
      expect(log).toEqual([40, 80]);
      yield* clock.advance(20);
      yield* waitIdle();
      expect(log).toEqual([40, 80, 120]);
    });
  });
});

/**
 * Tokio's MissedTickBehavior diagrams (period 300 ms): the test task owns the
 * interval and does not poll it while the clock moves, so the ticks it finds
 * afterwards are late, and the behaviour decides which it gets.
 */
describe("interval missed ticks, driven by clock.advance", () => {
  /** The ticks ready now: polls `iv.tick()` until it would wait. */
  function* readyTicks(iv: Interval) {
    const got: number[] = [];
    for (;;) {
      const r = yield* select({ tick: iv.tick(), idle: yieldNow() });
      if (r.key === "idle") return got;
      got.push(r.value as number);
    }
  }

  function script(mode: MissedTick, steps: [number, number[]][]) {
    return runTest(function* () {
      const iv = interval(300, { missedTick: mode });
      expect(yield* readyTicks(iv)).toEqual([0]);
      for (const [advance, expected] of steps) {
        yield* clock.advance(advance);
        expect({ at: now(), ticks: yield* readyTicks(iv) }).toEqual({
          at: now(),
          ticks: expected,
        });
      }
    });
  }

  it("burst: the missed ticks come back to back, then the schedule goes on", async () => {
    await script("burst", [
      [100, []],
      [200, [300]],
      [650, [600, 900]],
      [200, []],
      [100, [1200]],
      [250, [1500]],
      [300, [1800]],
    ]);
  });

  it("delay: the next period starts at the late tick", async () => {
    await script("delay", [
      [100, []],
      [200, [300]],
      [650, [600]],
      [100, []],
      [200, [1250]],
      [300, [1550]],
      [300, [1850]],
    ]);
  });

  it("skip: the missed ticks are dropped, the original schedule kept", async () => {
    await script("skip", [
      [100, []],
      [200, [300]],
      [650, [600]],
      [250, [1200]],
      [300, [1500]],
      [300, [1800]],
    ]);
  });
});
