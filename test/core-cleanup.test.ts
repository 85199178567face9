/**
 * Asynchronous cleanup through every combinator and scope: a cancellation whose
 * cleanup waits (a `finally` that `yield*`s, inside a body or inside the
 * combinator's own wind-down) goes on unwinding once that cleanup is done, so
 * the code after the combinator never runs and the task ends cancelled.
 */
import {
  all,
  allSettled,
  any,
  CancelledError,
  Condition,
  type Coroutine,
  currentTask,
  Mutex,
  race,
  select,
  shield,
  sleep,
  spawn,
  TaskLocal,
  taskGroup,
  timeout,
} from "corio";
import { pending } from "corio/lowlevel";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

/** A body that waits forever and, when cancelled, cleans up for 10 ms. */
function slowCleanup(log: string[], name: string) {
  return function* (): Coroutine<never> {
    try {
      return yield* pending();
    } finally {
      yield* sleep(10);
      log.push(`${name} cleaned up`);
    }
  };
}

const wrappers: [string, (body: () => Coroutine<never>) => Coroutine<unknown>][] = [
  ["all", (body) => all([body])],
  ["allSettled", (body) => allSettled([body])],
  ["race", (body) => race([body, pending()])],
  ["any", (body) => any([body])],
  ["select", (body) => select({ body })],
  ["timeout", (body) => timeout(1e9, body)],
  [
    "taskGroup (a child)",
    (body) =>
      taskGroup(function* (group) {
        group.spawn(body);
      }),
  ],
  ["taskGroup (its body)", (body) => taskGroup(() => body())],
  ["TaskLocal.with", (body) => new TaskLocal(0).with(1, body)],
];

describe("a cancellation whose cleanup waits goes on unwinding afterwards", () => {
  for (const [name, wrap] of wrappers) {
    it(`through ${name}`, async () => {
      const log: string[] = [];
      await runTest(function* () {
        const task = spawn(function* () {
          try {
            yield* wrap(slowCleanup(log, "inner"));
            log.push("after the combinator (must not run)");
            yield* sleep(1);
            log.push("later (must not run)");
          } finally {
            log.push("outer finally");
          }
        });
        yield* sleep(5);
        task.cancel("stop");
        const error = yield* call_(task);
        expect(error).toBeInstanceOf(CancelledError);
        expect(task.state).toBe("cancelled");
      });
      expect(log).toEqual(["inner cleaned up", "outer finally"]);
    });
  }
});

/** Joins `task` and returns what it threw. */
function* call_(task: { [Symbol.iterator](): Iterator<unknown, unknown, unknown> }) {
  try {
    yield* task as never as Coroutine<unknown>;
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("cleanup that waits runs to its end", () => {
  it("a cancel that arrives while a race winds down waits for the losers' cleanup, then takes effect", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const task = spawn(function* () {
        try {
          const winner = yield* race([
            function* () {
              return "fast";
            },
            slowCleanup(log, "loser"),
          ]);
          log.push(`won ${winner}`);
          yield* sleep(1);
          log.push("after the sleep (must not run)");
        } finally {
          log.push("outer finally");
        }
      });
      yield* waitIdle(); // the race is waiting for the loser's cleanup
      task.cancel();
      expect(yield* call_(task)).toBeInstanceOf(CancelledError);
    });
    expect(log).toEqual(["loser cleaned up", "won fast", "outer finally"]);
  });

  it("a taskGroup cancelled while its body's finally waits cancels its children and ends", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const task = spawn(function* () {
        yield* taskGroup(function* (group) {
          group.spawn(slowCleanup(log, "child"));
          try {
            yield* pending();
          } finally {
            yield* sleep(10);
            log.push("body cleaned up");
          }
        });
      });
      yield* sleep(5);
      task.cancel();
      expect(yield* call_(task)).toBeInstanceOf(CancelledError);
    });
    expect(log).toEqual(["body cleaned up", "child cleaned up"]);
  });

  it("an error thrown by a loser's cleanup is not lost: it joins the winner's error", async () => {
    const error = await runTest(function* () {
      return yield* call_(
        all([
          function* () {
            yield* sleep(1);
            throw new Error("first");
          },
          function* () {
            try {
              yield* pending();
            } finally {
              yield* sleep(1);
              throw new Error("during cleanup");
            }
          },
        ]) as never,
      );
    });
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      "first",
      "during cleanup",
    ]);
  });

  it("Condition.wait takes the lock again before a cancellation goes on, also when the lock is busy", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const cond = new Condition(new Mutex());
      const waiter = spawn(function* () {
        using guard = yield* cond.lock();
        try {
          yield* cond.wait(guard);
          log.push("notified (must not happen)");
        } finally {
          log.push(`finally, lock held: ${cond.mutex.locked}`);
        }
      });
      yield* waitIdle();
      const holder = spawn(function* () {
        using _g = yield* cond.lock();
        yield* sleep(10);
        log.push("holder releases");
      });
      yield* waitIdle();
      waiter.cancel();
      expect(yield* call_(waiter)).toBeInstanceOf(CancelledError);
      yield* holder;
      expect(cond.mutex.locked).toBe(false);
    });
    expect(log).toEqual(["holder releases", "finally, lock held: true"]);
  });

  it("shield inside a cancelled task's finally runs its body to the end, then the unwinding goes on", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const task = spawn(function* () {
        try {
          yield* pending();
        } finally {
          yield* shield(function* () {
            yield* sleep(10);
            log.push("shielded cleanup done");
          });
          log.push(`still cancelling: ${currentTask()?.state}`);
        }
        log.push("after (must not run)");
      });
      yield* sleep(1);
      task.cancel();
      expect(yield* call_(task)).toBeInstanceOf(CancelledError);
    });
    expect(log).toEqual(["shielded cleanup done", "still cancelling: cancelling"]);
  });
});
