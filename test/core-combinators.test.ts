import {
  all,
  allSettled,
  any,
  CancelledError,
  type Coroutine,
  now,
  race,
  select,
  shield,
  sleep,
  spawn,
  type Task,
  TimeoutError,
  timeout,
  yieldNow,
} from "corio";
import { pending, pollFn } from "corio/lowlevel";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

/**
 * A body that sleeps `ms`, logs that it ran to its end, logs its cleanup
 * (which takes 5 ms) with the virtual time, and returns `value`. A loser that
 * was cancelled logs no "ran to its end", and cleans up 5 ms after the moment
 * it was cancelled (a loser left running would clean up at `ms + 5`).
 */
function worker<T>(log: string[], name: string, ms: number, value: T): () => Coroutine<T> {
  return function* () {
    try {
      yield* sleep(ms);
      log.push(`${name} ran to its end`);
      return value;
    } finally {
      if (ms > 0) {
        yield* sleep(5);
        log.push(`${name} cleaned up at ${now()}`);
      }
    }
  };
}

function* failing(ms: number, message: string): Coroutine<never> {
  yield* sleep(ms);
  throw new Error(message);
}

describe("all", () => {
  it("returns every value in order; the bodies interleave", async () => {
    await runTest(function* () {
      const values = yield* all([
        function* () {
          yield* sleep(30);
          return "a";
        },
        function* () {
          yield* sleep(10);
          return 2;
        },
        sleep(20),
      ]);
      expect(values).toEqual(["a", 2, undefined]);
    });
  });

  it("takes 30 ms of virtual time for sleeps of 10, 20 and 30 (concurrent, not 60)", async () => {
    await runTest(function* () {
      const start = now();
      yield* all([sleep(10), sleep(20), sleep(30)]);
      expect(now() - start).toBe(30);
    });
  });

  it("the first failure cancels the rest, waits for their cleanup, and is rethrown", async () => {
    const log: string[] = [];
    const error = await runTest(function* () {
      try {
        yield* all([worker(log, "slow", 1000, 1), () => failing(10, "boom")]);
      } catch (e) {
        log.push("caught");
        return e;
      }
    });
    expect((error as Error).message).toBe("boom");
    expect(log).toEqual(["slow cleaned up at 15", "caught"]);
  });

  it("a task handed in is joined, not owned: when all() fails it keeps running", async () => {
    await runTest(function* () {
      const outside: Task<string> = spawn(function* () {
        yield* sleep(50);
        return "outside done";
      });
      try {
        yield* all([outside, () => failing(10, "boom")]);
      } catch {}
      expect(outside.state).toBe("waiting");
      expect(yield* outside).toBe("outside done");
    });
  });
});

describe("allSettled", () => {
  it("reports every outcome without throwing", async () => {
    const outcomes = await runTest(function* () {
      return yield* allSettled([
        function* () {
          yield* sleep(5);
          return 1;
        },
        () => failing(1, "nope"),
      ]);
    });
    expect(outcomes[0]).toEqual({ status: "fulfilled", value: 1 });
    expect(outcomes[1].status).toBe("rejected");
  });
});

describe("race, any, select", () => {
  it("race: the first to finish wins; losers are cancelled and cleaned up before it returns", async () => {
    const log: string[] = [];
    const value = await runTest(function* () {
      const v = yield* race([worker(log, "slow", 100, "slow"), worker(log, "fast", 10, "fast")]);
      log.push(`won by ${v}`);
      return v;
    });
    expect(value).toBe("fast");
    expect(log).toEqual([
      "fast ran to its end",
      "fast cleaned up at 15",
      "slow cleaned up at 20", // cancelled when fast returned at 15 (not at 10: cleanup first)
      "won by fast",
    ]);
  });

  it("race: a failure that comes first is rethrown", async () => {
    await expect(
      runTest(function* () {
        return yield* race([() => failing(1, "first"), sleep(100)]);
      }),
    ).rejects.toThrow("first");
  });

  it("any: the first success wins; failures are ignored unless all fail", async () => {
    const value = await runTest(function* () {
      return yield* any([
        () => failing(1, "a"),
        function* () {
          yield* sleep(5);
          return "b";
        },
      ]);
    });
    expect(value).toBe("b");
    const error = await runTest(function* () {
      try {
        return yield* any([() => failing(1, "a"), () => failing(2, "b")]);
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(["a", "b"]);
  });

  it("select returns {key, value} of the first branch; the others are cancelled", async () => {
    const log: string[] = [];
    const got = await runTest(function* () {
      return yield* select({
        tick: sleep(10),
        work: worker(log, "work", 100, 42),
        never: pending(),
      });
    });
    expect(got).toEqual({ key: "tick", value: undefined });
    expect(log).toEqual(["work cleaned up at 15"]);
  });

  it("futures are polled in the caller's task: the first ready one wins, the others were never completed", async () => {
    const polls: string[] = [];
    const makeReady = (name: string) =>
      pollFn<string>(() => {
        polls.push(name);
        return name;
      });
    const got = await runTest(function* () {
      return yield* select({ a: makeReady("a"), b: makeReady("b") });
    });
    expect(got).toEqual({ key: "a", value: "a" });
    expect(polls).toEqual(["a"]); // b was dropped without a poll that could take anything
  });

  it("sleep(0) and yieldNow() as items suspend once, then complete", async () => {
    await runTest(function* () {
      expect(yield* race([pending(), sleep(0)])).toBe(undefined);
      expect(yield* select({ never: pending(), now: yieldNow() })).toEqual({
        key: "now",
        value: undefined,
      });
    });
  });

  it("bad input is a clear error", async () => {
    await runTest(function* () {
      expect(() => race([]).next()).toThrow(RangeError);
      expect(() => select({}).next()).toThrow(RangeError);
      expect(() => all([42 as never]).next()).toThrow(/expected a coroutine/);
      expect(() => all([async () => 1] as never).next()).toThrow(/call\(promise\)/);
    });
  });
});

describe("timeout", () => {
  it("returns the value when the body finishes in time", async () => {
    expect(
      await runTest(function* () {
        return yield* timeout(100, function* () {
          yield* sleep(10);
          return "in time";
        });
      }),
    ).toBe("in time");
  });

  it("throws TimeoutError after the body's cleanup has run", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const start = now();
      try {
        yield* timeout(20, worker(log, "body", 1000, 0));
      } catch (error) {
        expect(error).toBeInstanceOf(TimeoutError);
        log.push(`timed out at ${now() - start}`);
      }
    });
    expect(log).toEqual(["body cleaned up at 25", "timed out at 25"]);
  });

  it("Infinity means no deadline; a negative or NaN duration is a RangeError", async () => {
    await runTest(function* () {
      expect(yield* timeout(Number.POSITIVE_INFINITY, sleep(5))).toBe(undefined);
      expect(() => timeout(-1, sleep(1)).next()).toThrow(RangeError);
      expect(() => timeout(Number.NaN, sleep(1)).next()).toThrow(RangeError);
    });
  });
});

describe("shield", () => {
  it("holds back a cancel until the shielded body completes; it takes effect at the next yield*", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const task = spawn(function* () {
        try {
          yield* shield(function* () {
            yield* sleep(50);
            log.push("shielded body finished");
          });
          log.push("after shield, before next yield");
          yield* yieldNow();
          log.push("not reached");
        } finally {
          log.push("finally");
        }
      });
      yield* sleep(10);
      task.cancel();
      try {
        yield* task;
      } catch (error) {
        expect(error).toBeInstanceOf(CancelledError);
      }
    });
    expect(log).toEqual(["shielded body finished", "after shield, before next yield", "finally"]);
  });
});
