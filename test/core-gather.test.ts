/**
 * The engine under every combinator (all, allSettled, race, any, select,
 * timeout, taskGroup), through their public faces: failures in losers'
 * cleanup, failures that arrive together, futures that throw when polled,
 * tasks handed in already complete, what a waiting task is shown waiting on,
 * and deadlock detection through a combinator.
 */
import {
  all,
  allSettled,
  any,
  type Coroutine,
  call,
  channel,
  DeadlockError,
  now,
  race,
  run,
  select,
  sleep,
  spawn,
  taskGroup,
  timeout,
} from "corio";
import { pollFn } from "corio/lowlevel";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

/** A body that sleeps a long time, logs when its cleanup runs, and fails in it. */
function* failsInCleanup(log: string[]): Coroutine<never> {
  try {
    yield* sleep(1000);
    log.push("ran to its end");
  } finally {
    log.push(`cleanup at ${now()}`);
    throw new Error("cleanup failed");
  }
}

function* badCleanup(): Coroutine<never> {
  try {
    yield* sleep(1000);
  } finally {
    throw new Error("cleanup failed");
  }
}

describe("failures while the losers are stopped", () => {
  it("race: a loser that fails in its cleanup fails the race with that error", async () => {
    const error = await runTest(function* () {
      try {
        yield* race([
          function* () {
            yield* sleep(10);
            return "winner";
          },
          badCleanup,
        ]);
      } catch (e) {
        return e;
      }
    });
    expect((error as Error).message).toBe("cleanup failed");
  });

  it("all: the first failure and a failure in another's cleanup are both reported", async () => {
    const error = await runTest(function* () {
      try {
        yield* all([
          function* () {
            yield* sleep(10);
            throw new Error("first");
          },
          badCleanup,
        ]);
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).message).toBe("2 errors in all()");
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      "first",
      "cleanup failed",
    ]);
  });

  it("all: two failures in the same instant are both reported, in order", async () => {
    const error = await runTest(function* () {
      try {
        yield* all([
          function* () {
            yield* sleep(10);
            throw new Error("a");
          },
          function* () {
            yield* sleep(10);
            throw new Error("b");
          },
        ]);
      } catch (e) {
        return e;
      }
    });
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(["a", "b"]);
  });

  it("any: a loser that fails in its cleanup fails it, though other failures are not reported", async () => {
    const error = await runTest(function* () {
      try {
        yield* any([
          function* () {
            yield* sleep(10);
            return "winner";
          },
          badCleanup,
        ]);
      } catch (e) {
        return e;
      }
    });
    expect((error as Error).message).toBe("cleanup failed");
  });

  it("allSettled: a failure is an outcome, never thrown", async () => {
    const got = await runTest(function* () {
      return yield* allSettled([
        function* () {
          yield* sleep(10);
          throw new Error("a");
        },
        function* () {
          yield* sleep(10);
          return 2;
        },
      ]);
    });
    expect(got.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
  });

  it("timeout: the TimeoutError and the body's cleanup failure are both reported", async () => {
    const log: string[] = [];
    const error = await runTest(function* () {
      try {
        yield* timeout(10, () => failsInCleanup(log));
      } catch (e) {
        return e;
      }
    });
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      "timed out after 10 ms",
      "cleanup failed",
    ]);
    expect(log).toEqual(["cleanup at 10"]); // cancelled at the deadline, not run to its end
  });
});

describe("items of every kind", () => {
  it("a future that throws when polled fails race and select with its error", async () => {
    const boom = () =>
      pollFn(() => {
        throw new Error("poll failed");
      });
    await expect(runTest(() => race([boom(), sleep(5)]))).rejects.toThrow("poll failed");
    await expect(runTest(() => select({ a: boom(), b: sleep(5) }))).rejects.toThrow("poll failed");
  });

  it("a task handed in already complete is joined at once: its value, or its error", async () => {
    const got = await runTest(function* () {
      const done = spawn(function* () {
        return 7;
      });
      yield* done;
      const values = yield* all([done, sleep(1)]);
      return { values, at: now() };
    });
    expect(got).toEqual({ values: [7, undefined], at: 1 });
    await expect(
      runTest(function* () {
        const failed = spawn(function* (): Coroutine<never> {
          throw new Error("early");
        });
        try {
          yield* failed;
        } catch {}
        return yield* race([failed, sleep(100)]);
      }),
    ).rejects.toThrow("early");
  });

  it("something that is not an array is refused with the reason", async () => {
    await expect(runTest(() => all(42 as never))).rejects.toThrow(
      "all(): expected an array of tasks, futures or bodies",
    );
  });
});

describe("what a waiting task shows", () => {
  it("names the items still open, and 'join' for a taskGroup's body", async () => {
    await runTest(function* () {
      const racer = spawn(function* () {
        yield* race([
          function* () {
            yield* sleep(100);
          },
          sleep(200),
        ]);
      });
      const grouped = spawn(function* () {
        yield* taskGroup(function* (group) {
          group.spawn(function* () {
            yield* sleep(100);
          });
        });
      });
      yield* waitIdle();
      expect(racer.waitingOn).toMatch(/^race of race\[0\], sleep \(\d+ ms left\)$/);
      expect(grouped.waitingOn).toBe("join taskGroup[0]");
      yield* racer;
      yield* grouped;
    });
  });
});

describe("deadlock detection through a combinator", () => {
  it("all() over receives nobody will ever send to is a deadlock", async () => {
    await expect(
      run(function* () {
        const [, rx] = channel<number>(1);
        const [tx2, rx2] = channel<number>(1);
        void tx2;
        return yield* all([rx.recv(), rx2.recv()]);
      }),
    ).rejects.toBeInstanceOf(DeadlockError);
  });

  it("a combinator that also waits on outside work (a Promise) is not a deadlock", async () => {
    const got = await run(function* () {
      const [, rx] = channel<number>(1);
      return yield* race([
        rx.recv(),
        call(new Promise<string>((resolve) => setTimeout(() => resolve("outside"), 5))),
      ]);
    });
    expect(got).toBe("outside");
  });
});
