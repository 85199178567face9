/**
 * Interval.resetAt / resetAfter, ported from Tokio's tests/time_interval.rs
 * reset tests, on the virtual clock.
 */
import { interval, now } from "corio";
import { runTest } from "corio/testing";
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
