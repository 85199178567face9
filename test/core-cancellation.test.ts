import {
  CancelledError,
  type Coroutine,
  call,
  currentTask,
  type Future,
  run,
  select,
  sleep,
  spawn,
  type Task,
  yieldNow,
} from "corio";
import { pending } from "corio/lowlevel";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

/** Waits for a task to end, whatever the outcome. */
function* settled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch {}
}

/** Lets every other task run until it suspends. */
function* letRun(): Coroutine<void> {
  for (let i = 0; i < 5; i++) yield* yieldNow();
}

/** The kinds of suspension a task can be cancelled at. */
const suspensions: Record<string, () => Future<unknown> | Coroutine<unknown>> = {
  sleep: () => sleep(1000),
  join: () =>
    spawn(function* () {
      yield* sleep(5000);
    })[Symbol.iterator]() as unknown as Future<unknown>,
  select: () => select({ a: sleep(1000), b: pending() }),
  call: () => call(new Promise(() => {})),
  "call with signal": () =>
    call(
      (signal) =>
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    ),
  yieldNow: () =>
    (function* () {
      for (;;) yield* yieldNow();
    })(),
  "pending forever": () => pending(),
};

describe("cancellation at every kind of suspension", () => {
  for (const [kind, make] of Object.entries(suspensions)) {
    it(`${kind}: sync finally runs once, catch never sees it, joiners get CancelledError`, async () => {
      const log: string[] = [];
      await runTest(function* () {
        const task = spawn(function* () {
          try {
            log.push("start");
            yield* make();
            log.push("not reached");
          } catch (error) {
            log.push(`catch ${String(error)}`);
          } finally {
            log.push("finally");
          }
        });
        yield* letRun();
        task.cancel("stop");
        let joined: unknown;
        try {
          yield* task;
        } catch (error) {
          joined = error;
        }
        expect(joined).toBeInstanceOf(CancelledError);
        expect((joined as CancelledError).reason).toBe("stop");
        expect(task.state).toBe("cancelled");
      });
      expect(log).toEqual(["start", "finally"]);
    });

    it(`${kind}: an asynchronous finally runs to the end`, async () => {
      const log: string[] = [];
      await runTest(function* () {
        const task = spawn(function* () {
          try {
            yield* make();
          } finally {
            log.push("cleanup begins");
            yield* sleep(50);
            yield* yieldNow();
            log.push("cleanup ends");
          }
        });
        yield* letRun();
        task.cancel();
        yield* letRun();
        expect(task.state).toBe("cancelling");
        task.cancel(); // a second cancel does not interrupt the cleanup
        yield* settled(task);
      });
      expect(log).toEqual(["cleanup begins", "cleanup ends"]);
    });
  }
});

describe("cancellation semantics", () => {
  it("a task cancelled before its first step runs no code at all", async () => {
    const log: string[] = [];
    await run(function* () {
      const task = spawn(function* () {
        try {
          log.push("body");
        } finally {
          log.push("finally");
        }
      });
      task.cancel();
      yield* settled(task);
      expect(task.state).toBe("cancelled");
    });
    expect(log).toEqual([]);
  });

  it("cancelling a finished task does nothing", async () => {
    await run(function* () {
      const task = spawn(function* () {
        return 5;
      });
      expect(yield* task).toBe(5);
      task.cancel();
      expect(task.state).toBe("done");
      expect(yield* task).toBe(5);
    });
  });

  it("a self-cancel takes effect at the next yield*, even on a ready future", async () => {
    const log: string[] = [];
    await run(function* () {
      const task = spawn(function* () {
        try {
          (currentTask() as Task<unknown>).cancel();
          log.push("still running after cancel()");
          yield* sleep(0);
          log.push("not reached");
        } finally {
          log.push("finally");
        }
      });
      yield* settled(task);
      expect(task.state).toBe("cancelled");
    });
    expect(log).toEqual(["still running after cancel()", "finally"]);
  });

  it("a finally that throws during cancellation fails the task with that error", async () => {
    await runTest(function* () {
      const boom = new Error("cleanup failed");
      const task = spawn(function* () {
        try {
          yield* sleep(1000);
        } finally {
          yield* sleep(1);
          throw boom;
        }
      });
      yield* sleep(10);
      task.cancel();
      let joined: unknown;
      try {
        yield* task;
      } catch (error) {
        joined = error;
      }
      expect(joined).toBe(boom);
      expect(task.state).toBe("failed");
    });
  });

  it("a finally that overrides the return still leaves the task cancelled", async () => {
    await runTest(function* () {
      const task = spawn(function* () {
        try {
          yield* sleep(1000);
        } finally {
          return 42;
        }
      });
      yield* sleep(10);
      task.cancel();
      yield* settled(task);
      expect(task.state).toBe("cancelled");
    });
  });

  it("cleanup already running (a normal finally) is cut short at its yield, as return() does", async () => {
    const log: string[] = [];
    await runTest(function* () {
      const task = spawn(function* () {
        try {
          log.push("body");
        } finally {
          log.push("finally starts");
          yield* sleep(100);
          log.push("not reached");
        }
      });
      yield* sleep(10);
      task.cancel();
      yield* settled(task);
    });
    expect(log).toEqual(["body", "finally starts"]);
  });

  it("a helper with asynchronous cleanup, run as a child task, does not lose the cancellation", async () => {
    // The documented remedy for JavaScript's yield* forgetting a return() (README, "Guarantees").
    const log: string[] = [];
    await runTest(function* () {
      function* helper(i: number): Coroutine<void> {
        try {
          yield* sleep(100);
        } finally {
          yield* sleep(5);
          log.push(`helper ${i} cleaned up`);
        }
      }
      const task = spawn(function* () {
        for (let i = 0; i < 10; i++) yield* spawn(helper(i));
        log.push("loop finished");
      });
      yield* sleep(150); // in the second helper
      task.cancel();
      yield* settled(task);
      expect(task.state).toBe("cancelled");
    });
    expect(log).toEqual(["helper 0 cleaned up", "helper 1 cleaned up"]);
  });

  it("task.signal is aborted on cancel, with a CancelledError reason", async () => {
    await runTest(function* () {
      const task = spawn(function* () {
        yield* sleep(1000);
      });
      const signal = task.signal;
      expect(signal.aborted).toBe(false);
      task.cancel("why");
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(CancelledError);
      expect((signal.reason as CancelledError).reason).toBe("why");
    });
  });

  it("cancelling a call() aborts the signal handed to the function", async () => {
    let aborted = false;
    await runTest(function* () {
      const task = spawn(function* () {
        yield* call(
          (signal) =>
            new Promise((resolve) => {
              signal.addEventListener("abort", () => {
                aborted = true;
                resolve(undefined);
              });
            }),
        );
      });
      yield* yieldNow();
      task.cancel();
      yield* settled(task);
    });
    expect(aborted).toBe(true);
  });

  it("cancelling one joiner does not cancel the joined task", async () => {
    await runTest(function* () {
      const worker = spawn(function* () {
        yield* sleep(100);
        return "worked";
      });
      const joiner = spawn(function* () {
        return yield* worker;
      });
      yield* sleep(10);
      joiner.cancel();
      yield* settled(joiner);
      expect(worker.state).toBe("waiting");
      expect(yield* worker).toBe("worked");
    });
  });

  it("an unhandled-looking catch-all cannot swallow cancellation", async () => {
    let loops = 0;
    await runTest(function* () {
      const task = spawn(function* () {
        for (;;) {
          try {
            loops++;
            yield* sleep(10);
          } catch {
            // would swallow an asyncio.CancelledError; corio's cancel is not an exception
          }
        }
      });
      yield* sleep(35);
      task.cancel();
      yield* settled(task);
      expect(task.state).toBe("cancelled");
    });
    expect(loops).toBe(4);
  });
});
