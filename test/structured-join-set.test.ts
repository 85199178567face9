import {
  CancelledError,
  type Coroutine,
  currentTask,
  joinSet,
  now,
  race,
  run,
  sleep,
  spawn,
  type Task,
} from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function* after<T>(ms: number, value: T): Coroutine<T> {
  yield* sleep(ms);
  return value;
}

describe("joinSet", () => {
  it("joinNext returns values in completion order, then done; size counts what is left", async () => {
    const seen: [string, number, number][] = [];
    await runTest(function* () {
      const set = joinSet<string>();
      set.spawn(() => after(30, "c"));
      set.spawn(() => after(10, "a"));
      set.spawn(() => after(20, "b"));
      expect(set.size).toBe(3);
      for (let r = yield* set.joinNext(); !r.done; r = yield* set.joinNext()) {
        seen.push([r.value, now(), set.size]);
      }
      expect(set.size).toBe(0);
      expect(yield* set.joinNext()).toEqual({ done: true, value: undefined });
    });
    expect(seen).toEqual([
      ["a", 10, 2],
      ["b", 20, 1],
      ["c", 30, 0],
    ]);
  });

  it("an empty set is done at once", async () => {
    const r = await runTest(function* () {
      return yield* joinSet<number>().joinNext();
    });
    expect(r.done).toBe(true);
  });

  it("a task's failure is held for joinNext, which throws it once; the owner is not failed", async () => {
    const log: string[] = [];
    const result = await runTest(function* () {
      const set = joinSet<string>();
      set.spawn(function* () {
        yield* sleep(5);
        throw new Error("task failed");
      });
      set.spawn(() => after(10, "fine"));
      yield* sleep(20); // both complete; the owner runs on regardless
      log.push(`owner still running at ${now()}, size ${set.size}`);
      try {
        yield* set.joinNext();
      } catch (e) {
        log.push(`joinNext threw ${(e as Error).message}`);
      }
      const r = yield* set.joinNext();
      log.push(`then ${String(r.value)}`);
      return (yield* set.joinNext()).done;
    });
    expect(result).toBe(true);
    expect(log).toEqual([
      "owner still running at 20, size 2",
      "joinNext threw task failed",
      "then fine",
    ]);
  });

  it("spawn accepts a future as body", async () => {
    const v = await runTest(function* () {
      const set = joinSet<void>();
      set.spawn(sleep(5));
      return yield* set.joinNext();
    });
    expect(v).toEqual({ done: false, value: undefined });
  });

  it("cancelAll cancels the running tasks (their cleanup runs); joinNext then throws CancelledError for each", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const set = joinSet<number>();
      for (const n of [1, 2]) {
        set.spawn(function* () {
          try {
            yield* sleep(100);
            return n;
          } finally {
            yield* sleep(3);
            log.push(`cleanup ${n} at ${now()}`);
          }
        });
      }
      set.spawn(() => after(1, 0));
      yield* sleep(5);
      set.cancelAll();
      expect(set.size).toBe(3);
      expect(yield* set.joinNext()).toEqual({ done: false, value: 0 });
      let cancelled = 0;
      while (set.size > 0) {
        try {
          yield* set.joinNext();
        } catch (e) {
          if (e instanceof CancelledError) cancelled++;
        }
      }
      expect(cancelled).toBe(2);
      log.push(`joined at ${now()}`);
    });
    expect(log).toEqual(["cleanup 1 at 8", "cleanup 2 at 8", "joined at 8"]);
  });

  it("cancelling the owner while it waits in joinNext leaves the wait; its tasks are cancelled and awaited", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const owner = spawn(function* () {
        const set = joinSet<void>();
        set.spawn(function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(2);
            log.push(`task cleanup done at ${now()}`);
          }
        });
        yield* set.joinNext();
      });
      yield* sleep(10);
      owner.cancel();
      try {
        yield* owner;
      } catch (e) {
        expect(e).toBeInstanceOf(CancelledError);
      }
      log.push(`owner complete at ${now()}`);
    });
    expect(log).toEqual(["task cleanup done at 12", "owner complete at 12"]);
  });

  it("joinNext is cancel-safe: a task completing meanwhile stays for the next joinNext", async () => {
    await runTest(function* () {
      const set = joinSet<string>();
      set.spawn(() => after(10, "kept"));
      const waiter = spawn(function* () {
        yield* sleep(5);
      });
      // Wait for whichever comes first; the sleep wins and the joinNext is dropped.
      yield* race([waiter, set.joinNext()]);
      expect(now()).toBe(5);
      yield* sleep(20);
      expect(yield* set.joinNext()).toEqual({ done: false, value: "kept" });
    });
  });

  it("what is left when the owner's body ends is cancelled and awaited; nothing outlives the owner", async () => {
    let child: Task<unknown> | null = null;
    let cleaned = false;
    await runTest(function* () {
      const owner = spawn(function* () {
        const set = joinSet<void>();
        child = set.spawn(function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(1);
            cleaned = true;
          }
        });
        yield* sleep(5);
        return "owner done";
      });
      expect(yield* owner).toBe("owner done");
      expect(cleaned).toBe(true);
      expect(now()).toBe(6);
    });
    expect((child as Task<unknown> | null)?.state).toBe("cancelled");
  });

  it("a task failing after the owner's body ended fails the owner (nobody can join it any more)", async () => {
    await expect(
      runTest(function* () {
        const set = joinSet<void>();
        set.spawn(function* () {
          try {
            yield* sleep(100);
          } finally {
            throw new Error("failed in cleanup");
          }
        });
        yield* sleep(1);
      }),
    ).rejects.toThrow("failed in cleanup");
  });

  it("joinNext from a task other than the owner is a clear error; spawn after the owner ended too", async () => {
    await runTest(function* () {
      const set = joinSet<number>();
      const other = spawn(function* () {
        yield* set.joinNext();
      });
      let error: unknown;
      try {
        yield* other;
      } catch (e) {
        error = e;
      }
      expect(String(error)).toMatch(/only its owner may join it/);
      expect(String(error)).toContain((currentTask() as Task<unknown>).name);
    });
    let leaked: ReturnType<typeof joinSet<number>> | null = null;
    await run(function* () {
      leaked = joinSet<number>();
    });
    expect(() =>
      (leaked as unknown as ReturnType<typeof joinSet<number>>).spawn(() => after(1, 1)),
    ).toThrow(/owner .* has ended/);
    expect(() => joinSet()).toThrow(/inside a corio task/);
  });

  it("property: every task is returned or thrown by joinNext exactly once, in completion order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 30 }), fails: fc.boolean() }), {
          maxLength: 25,
        }),
        fc.integer(),
        async (specs, seed) => {
          const order = await runTest(
            function* () {
              const set = joinSet<number>();
              for (const [i, { ms, fails }] of specs.entries()) {
                set.spawn(function* () {
                  yield* sleep(ms);
                  if (fails) throw new Error(String(i));
                  return i;
                });
              }
              const seen: [number, number][] = []; // [index, time]
              while (set.size > 0) {
                try {
                  const r = yield* set.joinNext();
                  if (!r.done) seen.push([r.value, now()]);
                } catch (e) {
                  seen.push([Number((e as Error).message), now()]);
                }
              }
              expect((yield* set.joinNext()).done).toBe(true);
              return seen;
            },
            { seed },
          );
          expect(order.map(([i]) => i).sort((a, b) => a - b)).toEqual(specs.map((_, i) => i));
          for (const [i, t] of order) expect(t).toBe(specs[i]?.ms);
          const times = order.map(([, t]) => t);
          expect(times).toEqual([...times].sort((a, b) => a - b));
        },
      ),
      { numRuns: 60 },
    );
  });
});
