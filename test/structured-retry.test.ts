import { CancelledError, type Coroutine, call, now, retry, sleep, spawn } from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** A body that fails `failures` times, recording when each attempt started. */
function flaky(failures: number, times: number[]): () => Coroutine<string> {
  let n = 0;
  return function* () {
    times.push(now());
    yield* sleep(1);
    if (n++ < failures) throw new Error(`attempt ${n} failed`);
    return `ok after ${n}`;
  };
}

describe("retry", () => {
  it("returns the first success; the waits grow by factor, capped at maxMs (exact virtual times)", async () => {
    const times: number[] = [];
    const value = await runTest(() =>
      retry(flaky(4, times), {
        attempts: 5,
        backoff: { initialMs: 100, maxMs: 300, factor: 2, jitter: 0 },
      }),
    );
    expect(value).toBe("ok after 5");
    // Each attempt takes 1 ms; waits of 100, 200, 300 (capped), 300.
    expect(times).toEqual([0, 101, 302, 603, 904]);
  });

  it("after the last attempt the last error is thrown; attempts counts every try", async () => {
    const times: number[] = [];
    const error = await runTest(function* () {
      try {
        yield* retry(flaky(10, times), { attempts: 3, backoff: { jitter: 0 } });
      } catch (e) {
        return e as Error;
      }
      return null;
    });
    expect(error?.message).toBe("attempt 3 failed");
    expect(times).toEqual([0, 101, 302]); // the default backoff: 100, then 200 ms
  });

  it("attempts: 1 tries once and never waits", async () => {
    const times: number[] = [];
    await expect(runTest(() => retry(flaky(1, times), { attempts: 1 }))).rejects.toThrow(
      "attempt 1 failed",
    );
    expect(times).toEqual([0]);
  });

  it("retryIf(error) === false rethrows at once", async () => {
    const seen: unknown[] = [];
    let tries = 0;
    const error = await runTest(function* () {
      try {
        yield* retry(
          function* () {
            tries++;
            yield* sleep(1);
            throw new TypeError(tries === 1 ? "transient" : "fatal");
          },
          {
            attempts: 10,
            backoff: { jitter: 0 },
            retryIf: (e) => {
              seen.push((e as Error).message);
              return (e as Error).message === "transient";
            },
          },
        );
      } catch (e) {
        return e as Error;
      }
    });
    expect(error?.message).toBe("fatal");
    expect(tries).toBe(2);
    expect(seen).toEqual(["transient", "fatal"]);
  });

  it("a body returning a future is called afresh for each attempt", async () => {
    let calls = 0;
    const value = await runTest(() =>
      retry(() => call(calls++ < 2 ? Promise.reject(new Error("x")) : Promise.resolve(calls)), {
        attempts: 3,
        backoff: { initialMs: 1, jitter: 0 },
      }),
    );
    expect(value).toBe(3);
  });

  it("a CancelledError from the body is never retried", async () => {
    let tries = 0;
    const error = await runTest(function* () {
      try {
        yield* retry(
          function* () {
            tries++;
            const t = spawn(() => sleep(100));
            t.cancel();
            yield* t;
          },
          { attempts: 5 },
        );
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(CancelledError);
    expect(tries).toBe(1);
  });

  for (const where of ["during an attempt", "during a wait"] as const) {
    it(`cancelling the caller ${where} ends retry at once, with the attempt's cleanup run`, async () => {
      const log: string[] = [];
      await runTest(function* () {
        const job = spawn(() =>
          retry(
            function* () {
              try {
                yield* sleep(10);
                throw new Error("fail");
              } finally {
                log.push(`attempt cleanup at ${now()}`);
              }
            },
            { attempts: 5, backoff: { initialMs: 100, jitter: 0 } },
          ),
        );
        yield* sleep(where === "during an attempt" ? 5 : 50);
        job.cancel();
        let caught: unknown;
        try {
          yield* job;
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(CancelledError);
        log.push(`joined at ${now()}`);
        yield* sleep(1000);
      });
      expect(log).toEqual(
        where === "during an attempt"
          ? ["attempt cleanup at 5", "joined at 5"]
          : ["attempt cleanup at 10", "joined at 50"],
      );
    });
  }

  it("jitter spreads each wait within ± the fraction, and a seed replays the same waits", async () => {
    const waitsFor = async (seed: number): Promise<number[]> => {
      const times: number[] = [];
      await runTest(
        () =>
          retry(flaky(5, times), {
            attempts: 6,
            backoff: { initialMs: 1000, maxMs: 100_000, factor: 2, jitter: 0.5 },
          }),
        { seed },
      );
      return times.slice(1).map((t, i) => t - (times[i] as number) - 1);
    };
    const a = await waitsFor(7);
    expect(await waitsFor(7)).toEqual(a);
    expect(await waitsFor(8)).not.toEqual(a);
    a.forEach((wait, i) => {
      const base = 1000 * 2 ** i;
      expect(wait).toBeGreaterThanOrEqual(base * 0.5);
      expect(wait).toBeLessThanOrEqual(base * 1.5);
    });
    expect(new Set(a.map((w, i) => w / 2 ** i)).size).toBeGreaterThan(1); // not all the same spread
  });

  it("property: with no jitter the n-th wait is min(initialMs·factor^(n−1), maxMs) exactly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 4 }),
        async (attempts, initialMs, maxMs, factor) => {
          const times: number[] = [];
          const error = await runTest(function* () {
            try {
              yield* retry(flaky(100, times), {
                attempts,
                backoff: { initialMs, maxMs, factor, jitter: 0 },
              });
            } catch (e) {
              return e as Error;
            }
          });
          expect(error?.message).toBe(`attempt ${attempts} failed`);
          expect(times.length).toBe(attempts);
          let expected = 0;
          for (let n = 1; n <= attempts; n++) {
            expect(times[n - 1]).toBe(expected);
            expected += 1 + Math.min(initialMs * factor ** (n - 1), maxMs);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("bad input: attempts < 1 or not whole, bad backoff, body not a function", async () => {
    const body = function* () {};
    for (const attempts of [0, -1, 1.5, Number.NaN, undefined]) {
      await expect(runTest(() => retry(body, { attempts: attempts as number }))).rejects.toThrow(
        RangeError,
      );
    }
    for (const backoff of [
      { initialMs: -1 },
      { factor: 0.5 },
      { jitter: 2 },
      { maxMs: Number.NaN },
    ]) {
      await expect(runTest(() => retry(body, { attempts: 2, backoff }))).rejects.toThrow(
        /backoff\./,
      );
    }
    await expect(runTest(() => retry(body() as never, { attempts: 2 }))).rejects.toThrow(TypeError);
    await expect(runTest(() => retry(body, undefined as never))).rejects.toThrow(/attempts/);
  });
});
