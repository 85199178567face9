import {
  CancelledError,
  type Coroutine,
  call,
  currentTask,
  Runtime,
  run,
  sleep,
  spawn,
  type Task,
  TaskLocal,
  yieldNow,
} from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("call(): the Promise bridge", () => {
  it("waits for a promise and returns its value", async () => {
    expect(
      await run(function* () {
        return yield* call(Promise.resolve(5));
      }),
    ).toBe(5);
    expect(
      await run(function* () {
        return yield* call(async () => "from async");
      }),
    ).toBe("from async");
  });

  it("a rejection is thrown at the yield*", async () => {
    const error = await run(function* () {
      try {
        yield* call(Promise.reject(new Error("rejected")));
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(error).toBe("rejected");
  });

  it("a function that throws synchronously is reported as that error", async () => {
    await expect(
      run(function* () {
        yield* call(() => {
          throw new Error("sync throw");
        });
      }),
    ).rejects.toThrow("sync throw");
  });

  it("rejects non-promises clearly", () => {
    expect(() => call(42 as never)).toThrow(/expected a Promise/);
  });
});

describe("tasks from plain async code", () => {
  it("a Task is PromiseLike: await task", async () => {
    const rt = new Runtime();
    const task = rt.spawn(function* () {
      yield* sleep(5);
      return "awaited";
    });
    const running = rt.run();
    expect(await task).toBe("awaited");
    await running;
  });

  it("awaiting a failed task rejects; awaiting a cancelled one rejects with CancelledError", async () => {
    const rt = new Runtime();
    const failing = rt.spawn(function* () {
      yield* yieldNow();
      throw new Error("failed");
    });
    const cancelled = rt.spawn(function* () {
      yield* sleep(10_000);
    });
    const outcome = Promise.allSettled([Promise.resolve(failing), Promise.resolve(cancelled)]);
    const running = rt.run(function* () {
      yield* sleep(5);
      cancelled.cancel("enough");
    });
    const [f, c] = await outcome;
    expect(f.status === "rejected" && (f.reason as Error).message).toBe("failed");
    expect(c.status === "rejected" && c.reason).toBeInstanceOf(CancelledError);
    await running;
  });

  it("run(body, {signal}) cancels the run from outside", async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const running = run(
      function* () {
        try {
          yield* sleep(60_000);
        } finally {
          log.push("cleaned up");
        }
      },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort("stop"), 10);
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(log).toEqual(["cleaned up"]);
  });

  it("an already-aborted signal runs no code", async () => {
    const log: string[] = [];
    await expect(
      run(
        function* () {
          log.push("ran");
        },
        { signal: AbortSignal.abort() },
      ),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(log).toEqual([]);
  });

  it("task.signal can be handed to Promise APIs", async () => {
    const aborted = await runTest(function* () {
      const task = spawn(function* () {
        const me = currentTask() as Task<unknown>;
        const { setTimeout: wait } = yield* call(import("node:timers/promises"));
        yield* call(wait(60_000, undefined, { signal: me.signal }));
      });
      yield* yieldNow();
      yield* yieldNow();
      task.cancel();
      try {
        yield* task;
      } catch (e) {
        return e;
      }
    });
    expect(aborted).toBeInstanceOf(CancelledError);
  });
});

describe("TaskLocal", () => {
  const requestId = new TaskLocal<string>("none");

  it("is set for a body, inherited by children spawned inside, and restored after", async () => {
    const seen: string[] = [];
    await runTest(function* () {
      seen.push(requestId.get());
      yield* requestId.with("req-1", function* () {
        seen.push(requestId.get());
        const child = spawn(function* () {
          yield* sleep(10);
          seen.push(`child ${requestId.get()}`);
        });
        yield* requestId.with("req-2", function* () {
          seen.push(requestId.get());
        });
        seen.push(requestId.get());
        yield* child;
      });
      seen.push(requestId.get());
    });
    expect(seen).toEqual(["none", "req-1", "req-2", "req-1", "child req-1", "none"]);
    expect(requestId.get()).toBe("none");
  });

  it("is per task: concurrent tasks do not see each other's values", async () => {
    const seen: string[] = [];
    function* handler(id: string): Coroutine<void> {
      yield* requestId.with(id, function* () {
        yield* sleep(id === "a" ? 20 : 10);
        seen.push(`${id}:${requestId.get()}`);
      });
    }
    await runTest(function* () {
      const a = spawn(() => handler("a"));
      const b = spawn(() => handler("b"));
      yield* a;
      yield* b;
    });
    expect(seen).toEqual(["b:b", "a:a"]);
  });
});
