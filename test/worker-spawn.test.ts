// spawnWorker: a child task whose body runs on a corio runtime of its own in a worker thread.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CancelledError, now, Runtime, run, sleep, spawn } from "corio";
import { runTest } from "corio/testing";
import { spawnWorker, WorkerCrashError, workerChannel } from "corio/worker";
import { afterAll, describe, expect, it } from "vitest";

const body = new URL("./fixtures/worker-spawn-body.ts", import.meta.url);
const noDefault = new URL("./fixtures/worker-spawn-no-default.ts", import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), "corio-spawn-worker-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("spawnWorker: join, errors", () => {
  it("joins with the worker's return value", async () => {
    const value = await run(function* () {
      return yield* spawnWorker<{ sum: number }>(body, { args: ["add", 2, 40] });
    });
    expect(value).toEqual({ sum: 42 });
  });

  it("is a child task named after the module; listings show what it and its spawner wait on", async () => {
    const rt = new Runtime();
    const seen = await rt.run(
      function* () {
        const task = spawnWorker(body, { args: ["add", 1, 1] });
        const waiter = spawn(function* () {
          yield* task;
        });
        yield* sleep(1);
        const listed = rt.tasks();
        const dump = rt.dump();
        yield* waiter;
        return { task, parent: task.parent?.name, listed, dump };
      },
      { name: "spawner" },
    );
    const { task, listed, dump } = seen;
    expect(task.name).toBe("worker worker-spawn-body.ts");
    expect(seen.parent).toBe("spawner");
    expect(task.state).toBe("done");
    expect(listed.find((t) => t.id === task.id)?.waitingOn).toMatch(
      /^worker worker-spawn-body\.ts, thread \d+$/,
    );
    expect(dump).toContain(`join worker worker-spawn-body.ts`);
    expect(dump).toMatch(
      /worker worker-spawn-body\.ts #\d+ \[waiting\] worker worker-spawn-body\.ts, thread \d+/,
    );
  });

  it("runs a plain JavaScript module that imports corio by name", async () => {
    const value = await run(function* () {
      return yield* spawnWorker(new URL("./fixtures/worker-spawn-plain.mjs", import.meta.url), {
        args: [5],
      });
    });
    expect(value).toBe("slept 5 ms");
  });

  it("a worker may spawn workers of its own", async () => {
    const value = await run(function* () {
      return yield* spawnWorker(body, { args: ["nested", 20, 22] });
    });
    expect(value).toEqual({ inner: { sum: 42 } });
  });

  it("a running worker is outside work: the virtual clock does not jump past it", async () => {
    const at = await runTest(function* () {
      spawn(function* () {
        yield* sleep(10_000);
      });
      yield* spawnWorker(body, { args: ["add", 1, 2] });
      return now();
    });
    expect(at).toBe(0);
  });

  it("fails the join with the worker's error: custom class name, message, code, worker stack", async () => {
    const error = await run(function* () {
      try {
        yield* spawnWorker(body, { args: ["throw"], name: "digest" });
      } catch (e) {
        return e as Error & { code?: string };
      }
      return null;
    });
    expect(error?.name).toBe("DigestError");
    expect(error?.message).toBe("digest mismatch");
    expect(error?.code).toBe("EDIGEST");
    expect(error?.stack).toContain("worker-spawn-body.ts");
  });

  it("an unjoined worker's failure fails its parent", async () => {
    let parentCleanup = false;
    const outcome = run(function* () {
      spawn(
        function* () {
          try {
            spawnWorker(body, { args: ["throw"] });
            yield* sleep(60_000);
          } finally {
            parentCleanup = true;
          }
        },
        { name: "parent" },
      );
      yield* sleep(60_000);
    });
    await expect(outcome).rejects.toMatchObject({ name: "DigestError" });
    expect(parentCleanup).toBe(true);
  });

  it("cancelling it cancels the worker's root; its asynchronous cleanup is done before the join completes", async () => {
    const file = join(scratch, "cleanup-1");
    const seen = await run(function* () {
      const [tx, rx] = workerChannel<string>(1);
      const task = spawnWorker(body, { args: ["cleanup", tx, file] });
      expect((yield* rx.recv()).value).toBe("running");
      task.cancel("enough");
      try {
        yield* task;
      } catch (e) {
        return { error: e, cleanedUp: existsSync(file) };
      }
      return null;
    });
    expect(seen?.error).toBeInstanceOf(CancelledError);
    expect(seen?.cleanedUp).toBe(true);
    expect(readFileSync(file, "utf8")).toBe("cleaned up");
  });

  it("a cancelled run waits for the worker's cleanup too", async () => {
    const file = join(scratch, "cleanup-2");
    const stop = new AbortController();
    const outcome = run(
      function* () {
        const [tx, rx] = workerChannel<string>(1);
        spawnWorker(body, { args: ["cleanup", tx, file] });
        yield* rx.recv();
        stop.abort();
        yield* sleep(60_000);
      },
      { signal: stop.signal },
    );
    await expect(outcome).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(file)).toBe(true);
  });

  it("a task waiting on a worker is not a deadlock", async () => {
    // Nothing else is pending in the runtime while the worker sleeps: no timer, no I/O.
    const value = await run(function* () {
      const [tx, rx] = workerChannel<number>(1);
      const producer = spawnWorker(body, { args: ["produce", tx, 3] });
      let sum = 0;
      for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) sum += r.value;
      return { sum, n: yield* producer };
    });
    expect(value).toEqual({ sum: 3, n: 3 });
  });
});

describe("spawnWorker: bad input and crashes", () => {
  it("refuses a relative path at the call, naming the fix", async () => {
    const error = await run(function* () {
      try {
        spawnWorker("./fixtures/worker-spawn-body.ts");
      } catch (e) {
        return e as Error;
      }
      return null;
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(error?.message).toContain('new URL("./worker-spawn-body.ts", import.meta.url)');
  });

  it("refuses a missing module at the call, naming it", async () => {
    const missing = new URL("./fixtures/no-such-worker.ts", import.meta.url);
    const error = await run(function* () {
      try {
        spawnWorker(missing);
      } catch (e) {
        return e as Error;
      }
      return null;
    });
    expect(error?.message).toContain("no-such-worker.ts");
  });

  it("refuses an argument that cannot be cloned at the call, naming it and the module", async () => {
    const error = await run(function* () {
      try {
        spawnWorker(body, { args: ["add", { onDone: () => 1 }] });
      } catch (e) {
        return e as Error;
      }
      return null;
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(error?.message).toContain("spawnWorker(worker-spawn-body.ts)");
    expect(error?.message).toContain("args[1].onDone is a function");
  });

  it("needs a current task", () => {
    expect(() => spawnWorker(body)).toThrow(/current task/);
  });

  it("fails the join when the module has no default-exported coroutine function", async () => {
    const outcome = run(function* () {
      yield* spawnWorker(noDefault);
    });
    await expect(outcome).rejects.toThrow(
      /worker-spawn-no-default\.ts.*no default-exported coroutine function/s,
    );
  });

  it("fails the join when the module throws while it is imported, naming it", async () => {
    const outcome = run(function* () {
      yield* spawnWorker(new URL("./fixtures/worker-spawn-bad-import.ts", import.meta.url));
    });
    await expect(outcome).rejects.toThrow(
      /spawnWorker\(worker-spawn-bad-import\.ts\): importing the module failed: bad configuration at import/,
    );
  });

  it("fails the join when the return value cannot be cloned", async () => {
    const outcome = run(function* () {
      yield* spawnWorker(body, { args: ["uncloneable"] });
    });
    await expect(outcome).rejects.toThrow(/cannot be sent back/);
  });

  it("a worker that calls process.exit fails the task with a WorkerCrashError saying so", async () => {
    const error = await run(function* () {
      try {
        yield* spawnWorker(body, { args: ["exit"], name: "quitter" });
      } catch (e) {
        return e as WorkerCrashError;
      }
      return null;
    });
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(error?.kind).toBe("exit");
    expect(error?.message).toContain("exited with code 3");
  });

  it("an error escaping the worker's runtime fails the task, saying so", async () => {
    const error = await run(function* () {
      try {
        yield* spawnWorker(body, { args: ["uncaught"] });
      } catch (e) {
        return e as WorkerCrashError;
      }
      return null;
    });
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(error?.kind).toBe("uncaught");
    expect(error?.message).toContain("thrown from a timer callback");
  });

  it("a worker that runs out of memory fails the task, saying so", async () => {
    const error = await run(function* () {
      try {
        yield* spawnWorker(body, {
          args: ["oom"],
          resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
        });
      } catch (e) {
        return e as WorkerCrashError;
      }
      return null;
    });
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(error?.kind).toBe("out-of-memory");
    expect(error?.message).toContain("ran out of memory");
  });
});
