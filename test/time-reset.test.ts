/**
 * Interval.resetAt / resetAfter, ported from Tokio's tests/time_interval.rs
 * reset tests, and Sleep's deadline/reset (Tokio's tests/time_sleep.rs
 * reset tests), on the virtual clock.
 */
import { interval, now, select, sleep, spawn } from "corio";
import { clock, runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("Interval reset", () => {
  // tokio: reset
  it("reset(): the next tick one period from now, then every period", async () => {
    const times = await runTest(function* () {
      const start = now();
      const iv = interval(100);
      const out: number[] = [];
      out.push((yield* iv.tick()) - start); // immediate
      out.push((yield* iv.tick()) - start); // 100
      iv.resetAfter(0);
      iv.reset(); // at 100: next at 200
      out.push((yield* iv.tick()) - start);
      out.push((yield* iv.tick()) - start);
      return out;
    });
    expect(times).toEqual([0, 100, 200, 300]);
  });

  // tokio: reset_after
  it("resetAfter(ms): the next tick ms from now, then every period from there", async () => {
    const times = await runTest(function* () {
      const start = now();
      const iv = interval(100);
      const out: number[] = [];
      out.push((yield* iv.tick()) - start);
      iv.resetAfter(30);
      out.push((yield* iv.tick()) - start);
      out.push(now() - start);
      out.push((yield* iv.tick()) - start);
      iv.resetAfter(0); // due at once
      out.push((yield* iv.tick()) - start);
      return out;
    });
    expect(times).toEqual([0, 30, 30, 130, 130]);
  });

  // tokio: reset_at, reset_at_bigger_than_interval
  it("resetAt(t): the next tick at t (even beyond a period), a past t at once", async () => {
    const times = await runTest(function* () {
      const start = now();
      const iv = interval(100);
      const out: number[] = [];
      out.push((yield* iv.tick()) - start);
      iv.resetAt(start + 350);
      out.push((yield* iv.tick()) - start);
      out.push((yield* iv.tick()) - start);
      iv.resetAt(start); // in the past: due now
      const t = yield* iv.tick();
      out.push(t - start, now() - start);
      return out;
    });
    expect(times).toEqual([0, 350, 450, 0, 450]);
  });

  it("rejects a bad deadline or duration, naming it", async () => {
    await runTest(function* () {
      const iv = interval(10);
      for (const bad of [-1, Number.NaN, Infinity]) {
        expect(() => iv.resetAt(bad)).toThrow(RangeError);
        expect(() => iv.resetAt(bad)).toThrow(String(bad));
      }
      expect(() => iv.resetAfter(-5)).toThrow(/Interval.resetAfter\(ms\).*-5/);
      expect(() => iv.resetAfter(Infinity)).toThrow(RangeError);
      expect(yield* iv.tick()).toBe(now()); // unchanged: the first tick is immediate
    });
  });
});

describe("Sleep deadline and reset", () => {
  it("a sleep made inside a task fixes its deadline at the call", async () => {
    await runTest(function* () {
      const t0 = now();
      const s = sleep(100);
      expect(s.deadline).toBe(t0 + 100);
      yield* clock.advance(30);
      yield* s; // still the deadline of the call, not 100 ms after this first poll
      expect(now()).toBe(t0 + 100);
      expect(s.deadline).toBe(t0 + 100);
    });
  });

  it("a sleep made outside a runtime fixes its deadline at its first poll", async () => {
    const s = sleep(50);
    expect(Number.isNaN(s.deadline)).toBe(true);
    await runTest(function* () {
      yield* clock.advance(20);
      const t = now();
      yield* s;
      expect(s.deadline).toBe(t + 50);
      expect(now()).toBe(t + 50);
    });
  });

  // tokio: reset_future_sleep_before_fire
  it("reset to a later deadline while a task waits: it wakes at the new one", async () => {
    await runTest(function* () {
      const t0 = now();
      const s = sleep(100);
      let woke = -1;
      const waiter = spawn(function* () {
        yield* s;
        woke = now() - t0;
      });
      yield* waitIdle();
      s.reset(t0 + 200);
      expect(s.deadline).toBe(t0 + 200);
      yield* clock.advance(100);
      expect(woke).toBe(-1);
      yield* clock.advance(100);
      yield* waiter;
      expect(woke).toBe(200);
    });
  });

  // tokio: reset_past_sleep_before_fire / reset_sleep_to_past
  it("reset to a deadline already past while a task waits: it wakes at once", async () => {
    await runTest(function* () {
      const t0 = now();
      const s = sleep(100);
      const waiter = spawn(function* () {
        yield* s;
        return now() - t0;
      });
      yield* clock.advance(10);
      s.reset(t0);
      expect(yield* waiter).toBe(10);
    });
  });

  // tokio: reset_future_sleep_after_fire
  it("reset after it fired re-arms it: awaiting it again waits for the new deadline", async () => {
    await runTest(function* () {
      const t0 = now();
      const s = sleep(10);
      yield* s;
      expect(now()).toBe(t0 + 10);
      s.reset(now() + 40);
      yield* s;
      expect(now()).toBe(t0 + 50);
    });
  });

  it("a reset sleep that loses a select is removed; sleep(0) is still a plain yield", async () => {
    await runTest(function* () {
      const s = sleep(100);
      s.reset(now() + 500);
      const got = yield* select({ s, quick: sleep(5) });
      expect(got.key).toBe("quick");
      const t = now();
      yield* clock.advance(1000); // nothing left filed for the dropped sleep to fire
      expect(now()).toBe(t + 1000);
      expect("deadline" in sleep(0)).toBe(false);
    });
  });

  it("a sleep keeps its deadline once fired or dropped: awaited again, it waits for that deadline", async () => {
    await runTest(function* () {
      const t0 = now();
      const s = sleep(100);
      const got = yield* select({ s, quick: sleep(5) });
      expect(got.key).toBe("quick");
      expect(s.deadline).toBe(t0 + 100); // dropped by the select, deadline kept
      yield* s; // filed again at the same deadline
      expect(now()).toBe(t0 + 100);
      expect(s.deadline).toBe(t0 + 100);
      yield* s; // fired: ready at once
      expect(now()).toBe(t0 + 100);
    });
  });

  it("reset rejects a bad deadline, naming it, and leaves the sleep as it was", async () => {
    await runTest(function* () {
      const t0 = now();
      const s = sleep(20);
      for (const bad of [-1, Number.NaN, Infinity]) {
        expect(() => s.reset(bad)).toThrow(RangeError);
        expect(() => s.reset(bad)).toThrow(`got ${String(bad)}`);
      }
      yield* s;
      expect(now()).toBe(t0 + 20);
    });
  });
});
