import { CancelledError, type Coroutine, call, mapConcurrent, now, sleep, spawn } from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("mapConcurrent", () => {
  it("returns results in input order, not completion order", async () => {
    const out = await runTest(function* () {
      return yield* mapConcurrent([30, 10, 20], 3, function* (ms, i) {
        yield* sleep(ms);
        return `${i}:${ms}`;
      });
    });
    expect(out).toEqual(["0:30", "1:10", "2:20"]);
  });

  it("runs at most `limit` at once and starts the next as soon as one ends", async () => {
    const starts: number[] = [];
    let running = 0;
    let most = 0;
    await runTest(function* () {
      yield* mapConcurrent([1, 2, 3, 4, 5], 2, function* () {
        starts.push(now());
        running++;
        most = Math.max(most, running);
        try {
          yield* sleep(10);
        } finally {
          running--;
        }
      });
    });
    expect(most).toBe(2);
    expect(starts).toEqual([0, 0, 10, 10, 20]);
  });

  it("takes a function returning a future, any iterable, and Infinity as the limit", async () => {
    const out = await runTest(function* () {
      const set = new Set([1, 2, 3]);
      return yield* mapConcurrent(set, Infinity, (n) => call(Promise.resolve(n * 2)));
    });
    expect(out).toEqual([2, 4, 6]);
  });

  it("an empty input gives an empty array", async () => {
    await expect(runTest(() => mapConcurrent([], 4, function* () {}))).resolves.toEqual([]);
  });

  it("the first failure cancels the others (their cleanup runs), starts no more, and is thrown once", async () => {
    const started: number[] = [];
    const cleaned: number[] = [];
    const error = await runTest(function* () {
      try {
        yield* mapConcurrent([0, 1, 2, 3, 4, 5], 3, function* (n) {
          started.push(n);
          try {
            yield* sleep(n === 1 ? 5 : 100);
            if (n === 1) throw new Error("item 1 failed");
          } finally {
            cleaned.push(n);
          }
        });
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("item 1 failed");
    expect(started).toEqual([0, 1, 2]);
    expect(cleaned.sort()).toEqual([0, 1, 2]);
  });

  it("cancelling the caller while items run cancels them and waits for their cleanup (which may wait)", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const job = spawn(function* () {
        try {
          yield* mapConcurrent([1, 2, 3], 2, function* (n) {
            try {
              yield* sleep(1000);
            } finally {
              yield* sleep(5); // asynchronous cleanup
              log.push(`cleaned ${n} at ${now()}`);
            }
          });
        } finally {
          log.push(`caller finally at ${now()}`);
        }
      });
      yield* sleep(10);
      job.cancel();
      let caught: unknown;
      try {
        yield* job;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CancelledError);
    });
    expect(log).toEqual(["cleaned 1 at 15", "cleaned 2 at 15", "caller finally at 15"]);
  });

  it("a failure in a cancelled item's cleanup is delivered with the first error", async () => {
    const error = await runTest(function* () {
      try {
        yield* mapConcurrent([0, 1], 2, function* (n) {
          if (n === 0) {
            yield* sleep(1);
            throw new Error("first");
          }
          try {
            yield* sleep(100);
          } finally {
            throw new Error("cleanup");
          }
        });
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      "first",
      "cleanup",
    ]);
  });

  it("bad input: limit < 1, NaN, fractional, non-number; fn not a function; items not iterable", async () => {
    for (const limit of [0, -1, 0.5, 1.5, Number.NaN, "2"]) {
      await expect(
        runTest(() => mapConcurrent([1], limit as number, function* () {})),
      ).rejects.toThrow(RangeError);
    }
    await expect(runTest(() => mapConcurrent([1], 1, 5 as never))).rejects.toThrow(TypeError);
    await expect(runTest(() => mapConcurrent([1], 1, () => 5 as never))).rejects.toThrow(
      /mapConcurrent\(fn\): expected a coroutine .* got a number/,
    );
    await expect(runTest(() => mapConcurrent(7 as never, 1, function* () {}))).rejects.toThrow(
      /iterable/,
    );
  });

  it("property: order kept, never more than `limit` running, every item once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        async (delays, limit, seed) => {
          let running = 0;
          let most = 0;
          const calls = new Array(delays.length).fill(0);
          const out = await runTest(
            () =>
              mapConcurrent(delays, limit, function* (ms, i): Coroutine<number> {
                calls[i]++;
                running++;
                most = Math.max(most, running);
                try {
                  yield* sleep(ms);
                } finally {
                  running--;
                }
                return i * 1000 + ms;
              }),
            { seed },
          );
          expect(out).toEqual(delays.map((ms, i) => i * 1000 + ms));
          expect(most).toBeLessThanOrEqual(limit);
          expect(calls.every((c) => c === 1)).toBe(true);
          expect(running).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
