import { CancelledError, call, now, Runtime, run, sleep, spawn } from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("a Future as the body of spawn, run and runtime.spawn", () => {
  it("spawn(future) and spawn(() => future) run the future as the task and give its value", async () => {
    const values = await run(function* () {
      const a = spawn(call(Promise.resolve("direct")));
      const b = spawn(() => call(Promise.resolve("from a function")));
      return [yield* a, yield* b];
    });
    expect(values).toEqual(["direct", "from a function"]);
  });

  it("run(future) resolves with its value; a failing future rejects", async () => {
    await expect(run(call(Promise.resolve(7)))).resolves.toBe(7);
    await expect(run(() => call(Promise.reject(new Error("nope"))))).rejects.toThrow("nope");
  });

  it("runtime.spawn accepts a future", async () => {
    const rt = new Runtime({ virtualTime: true });
    const task = rt.spawn(sleep(50));
    await rt.run();
    expect(task.state).toBe("done");
    expect(rt.now()).toBe(50);
  });

  it("a spawned future is cancelled like any task: the wait is dropped", async () => {
    await runTest(function* () {
      const start = now();
      const task = spawn(sleep(1000));
      yield* sleep(10);
      task.cancel();
      let error: unknown;
      try {
        yield* task;
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CancelledError);
      expect(now() - start).toBe(10);
    });
  });

  it("something that is neither a coroutine nor a future still gets the clear error", () => {
    const rt = new Runtime();
    expect(() => rt.spawn(() => ({ next: 1 }) as never)).toThrow(/expected a coroutine/);
    expect(() => rt.spawn(42 as never)).toThrow(/got a number/);
  });
});
