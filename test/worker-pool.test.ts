/**
 * corio/worker's pool: runInWorker and WorkerPool through the public imports,
 * with real threads running test/fixtures/worker-jobs.mjs.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CancelledError,
  type Coroutine,
  now,
  Runtime,
  run,
  sleep,
  spawn,
  type Task,
  TimeoutError,
  timeout,
} from "corio";
import { runTest } from "corio/testing";
import { runInWorker, WorkerCrashError, WorkerPool } from "corio/worker";
import { afterAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const jobs = new URL("./fixtures/worker-jobs.mjs", import.meta.url);
const jobsPath = fileURLToPath(jobs);

// Pools the tests make, shut down at the end (their idle threads would not keep
// the process alive anyway; this checks shutdown on a used pool too).
const pools: WorkerPool[] = [];
function pool(options: ConstructorParameters<typeof WorkerPool>[0] = {}): WorkerPool {
  const p = new WorkerPool(options);
  pools.push(p);
  return p;
}
afterAll(async () => {
  await run(function* () {
    for (const p of pools) yield* p.shutdown();
  });
});

/** Waits (on the runtime's clock, polling) until `cond()` holds. */
function* until(cond: () => boolean, what: string): Coroutine<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    yield* sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function caught(body: () => Coroutine<unknown>): Promise<unknown> {
  return run(body).then(
    () => {
      throw new Error("expected an error");
    },
    (error: unknown) => error,
  );
}

describe("values and errors", () => {
  it("runs sync and async exports and returns their values", async () => {
    const [sum, doubled] = await run(function* () {
      const sum = yield* runInWorker<number>(jobs, "add", [2, 3]);
      const doubled = yield* runInWorker<number>(jobs, "asyncDouble", [21]);
      return [sum, doubled];
    });
    expect(sum).toBe(5);
    expect(doubled).toBe(42);
  });

  it("accepts an absolute path as well as a URL", async () => {
    const v = await run(() => runInWorker<number>(jobsPath, "add", [1, 1]));
    expect(v).toBe(2);
  });

  it("an error keeps its custom class name, message and the worker's stack", async () => {
    const error = (await caught(() => runInWorker(jobs, "failCustom", ["bad input"]))) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("HashError");
    expect(error.message).toBe("bad input");
    expect(error.stack).toMatch(/failCustom .*worker-jobs\.mjs/);
  });

  it("a rejection of an async export arrives the same way", async () => {
    const error = (await caught(() => runInWorker(jobs, "rejectLater"))) as Error;
    expect(error.name).toBe("HashError");
    expect(error.message).toBe("rejected after a tick");
  });

  it("a built-in error stays its class, with code and cause", async () => {
    const error = (await caught(() => runInWorker(jobs, "failWithDetails"))) as Error & {
      code?: string;
    };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe("outer problem");
    expect(error.code).toBe("E_OUTER");
    expect(error.cause).toBeInstanceOf(RangeError);
    expect((error.cause as Error).message).toBe("inner problem");
  });

  it("a thrown non-Error arrives as an Error saying what was thrown", async () => {
    const error = (await caught(() => runInWorker(jobs, "throwString"))) as Error;
    expect(error.message).toBe("plain string");
  });
});

describe("transfer", () => {
  it("moves an ArrayBuffer: the thread gets it, the caller's copy is detached", async () => {
    const bytes = new TextEncoder().encode("hello, threads");
    const buffer = bytes.buffer;
    const expected = createHash("sha256").update(bytes).digest("hex");
    const digest = await run(() =>
      runInWorker<string>(jobs, "sha256", [buffer], { transfer: [buffer] }),
    );
    expect(digest).toBe(expected);
    expect(buffer.byteLength).toBe(0);
  });

  it("without transfer the buffer is copied and stays usable", async () => {
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const length = await run(() => runInWorker<number>(jobs, "byteLength", [buffer]));
    expect(length).toBe(3);
    expect(buffer.byteLength).toBe(3);
  });
});

/** Joins `task` and returns what it threw (or undefined). */
function* failureOf(task: Task<unknown>): Coroutine<unknown> {
  try {
    yield* task;
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("cancellation", () => {
  it("cancelling a running job terminates its thread, then the caller resumes; the next job works", async () => {
    const p = pool({ size: 1 });
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    await run(function* () {
      const job = spawn(() => p.run(jobs, "spinForever", [shared]));
      yield* until(() => Atomics.load(flags, 0) === 1, "the job to start");
      expect(p.statistics()).toEqual({ threads: 1, busy: 1, queued: 0 });
      job.cancel();
      expect(yield* failureOf(job)).toBeInstanceOf(CancelledError);
    });
    // The thread was gone when the join returned: its counter no longer moves.
    const count = Atomics.load(flags, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Atomics.load(flags, 1)).toBe(count);
    expect(p.statistics().busy).toBe(0);
    const v = await run(() => p.run<number>(jobs, "add", [40, 2]));
    expect(v).toBe(42);
  });

  it("a job queued behind a cancelled running one runs once that thread is replaced", async () => {
    const p = pool({ size: 1 });
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    const value = await run(function* () {
      const running = spawn(() => p.run(jobs, "spinForever", [shared]));
      const queued = spawn(() => p.run<number>(jobs, "add", [20, 1]));
      yield* until(() => Atomics.load(flags, 0) === 1, "the first job to start");
      running.cancel();
      expect(yield* failureOf(running)).toBeInstanceOf(CancelledError);
      return yield* queued;
    });
    expect(value).toBe(21);
  });

  it("the caller resumes only once the terminated thread has exited", async () => {
    // The job blocks in open() of a FIFO; terminating its thread takes effect only when that
    // system call returns, which is when the test opens the FIFO's other end.
    const dir = mkdtempSync(join(tmpdir(), "corio-worker-"));
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const p = pool({ size: 1 });
    const shared = new SharedArrayBuffer(8);
    try {
      let carriedOn = false;
      await run(function* () {
        const job = spawn(function* () {
          yield* p.run(jobs, "blockInOpen", [shared, fifo]);
          carriedOn = true; // must not run: the cancellation goes on after the thread is gone
        });
        yield* until(() => Atomics.load(new Int32Array(shared), 0) === 1, "the job to start");
        yield* sleep(200); // from setting the flag to entering open(): microseconds
        job.cancel();
        yield* sleep(200);
        expect(job.isComplete).toBe(false);
        expect(job.state).toBe("cancelling");
        // O_NONBLOCK: fails (ENXIO) instead of hanging if no reader is blocked in open().
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        expect(yield* failureOf(job)).toBeInstanceOf(CancelledError);
      });
      expect(carriedOn).toBe(false);
      expect(await run(() => p.run<number>(jobs, "add", [1, 2]))).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("cancelling a queued job removes it; the running one is untouched", async () => {
    const p = pool({ size: 1 });
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    const second = new SharedArrayBuffer(8);
    await run(function* () {
      const running = spawn(() => p.run<string>(jobs, "blockUntilReleased", [shared]));
      yield* until(() => Atomics.load(flags, 0) === 1, "the first job to start");
      const queued = spawn(() => p.run<string>(jobs, "blockUntilReleased", [second]));
      yield* until(() => p.statistics().queued === 1, "the second job to queue");
      queued.cancel();
      expect(yield* failureOf(queued)).toBeInstanceOf(CancelledError);
      expect(p.statistics()).toEqual({ threads: 1, busy: 1, queued: 0 });
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      expect(yield* running).toBe("released");
    });
    // The cancelled job never ran.
    expect(Atomics.load(new Int32Array(second), 0)).toBe(0);
  });

  it("a timeout around a job fails with TimeoutError, with no work left running", async () => {
    const p = pool({ size: 1 });
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    const error = await run(function* () {
      yield* p.run(jobs, "add", [0, 0]); // a warm thread, so the job most likely runs
      try {
        yield* timeout(200, () => p.run(jobs, "spinForever", [shared]));
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(TimeoutError);
    // Whether the deadline found the job running or (on a slow machine) still queued, nothing
    // of it runs now.
    const count = Atomics.load(flags, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Atomics.load(flags, 1)).toBe(count);
    expect(await run(() => p.run<number>(jobs, "add", [1, 41]))).toBe(42);
  });

  it("a job cancelled before it was awaited never runs", async () => {
    const shared = new SharedArrayBuffer(8);
    await run(function* () {
      const job = spawn(() => runInWorker(jobs, "spinForever", [shared]));
      job.cancel();
      expect(yield* failureOf(job)).toBeInstanceOf(CancelledError);
    });
    expect(Atomics.load(new Int32Array(shared), 0)).toBe(0);
  });
});

describe("the runtime sees the job", () => {
  it("a pending job is outside work: no DeadlockError, and the virtual clock does not jump", async () => {
    const elapsed = await runTest(function* () {
      const start = now();
      yield* runInWorker(jobs, "spin", [50]);
      return now() - start;
    });
    expect(elapsed).toBe(0);
  });

  it("tasks() and dump() show the job as what the task waits on", async () => {
    const rt = new Runtime();
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    const seen = await rt.run(function* () {
      const hasher = spawn(() => runInWorker(jobs, "blockUntilReleased", [shared]), {
        name: "hasher",
      });
      yield* until(() => Atomics.load(flags, 0) === 1, "the job to start");
      const info = rt.tasks().find((t) => t.name === "hasher");
      const dump = rt.dump();
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      yield* hasher;
      return { waitingOn: info?.waitingOn, dump };
    });
    expect(seen.waitingOn).toBe("worker job blockUntilReleased in worker-jobs.mjs");
    expect(seen.dump).toMatch(
      /hasher #\d+ \[waiting\] worker job blockUntilReleased in worker-jobs\.mjs/,
    );
  });

  it("a trace shows the wait on the job by name", async () => {
    const rt = new Runtime({ trace: true });
    await rt.run(() => runInWorker(jobs, "asyncDouble", [1]));
    const waits = rt.traceEvents().traceEvents.filter((e) => e.cat === "wait");
    expect(waits.map((e) => e.name)).toContain("worker job asyncDouble in worker-jobs.mjs");
  });
});

describe("bad input: a clear error at the call", () => {
  it("a relative path names the fix", () => {
    expect(() => runInWorker("./fixtures/worker-jobs.mjs", "add", [1, 2])).toThrow(
      /relative path.*new URL\("\.\/worker-jobs\.mjs", import\.meta\.url\)/s,
    );
  });

  it("a module that does not exist is named", () => {
    const missing = new URL("./fixtures/no-such-module.mjs", import.meta.url);
    expect(() => runInWorker(missing, "add")).toThrow(
      /cannot find the module .*no-such-module\.mjs/,
    );
  });

  it("a non-file URL is refused", () => {
    expect(() => runInWorker("https://example.com/x.js", "add")).toThrow(/not a file: URL/);
  });

  it("a missing export names the module and what it does export", async () => {
    const error = (await caught(() => runInWorker(jobs, "nope"))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/worker-jobs\.mjs has no exported function "nope"/);
    expect(error.message).toMatch(/"add"/);
    expect(error.message).toMatch(/export function nope/);
    const notFn = (await caught(() => runInWorker(jobs, "notAFunction"))) as Error;
    expect(notFn.message).toMatch(/its "notAFunction" is a number/);
  });

  it("an argument that cannot be cloned is named", () => {
    expect(() => runInWorker(jobs, "add", [1, { onDone: () => {} }])).toThrow(
      /args\[1\]\.onDone is a function.*structured-cloned/s,
    );
    expect(() => runInWorker(jobs, "add", [new Map([[1, Symbol("s")]])])).toThrow(
      /args\[0\]\.get\(0\) is a symbol/,
    );
  });

  it("a transfer list or a pool of the wrong kind is refused", () => {
    const buffer = new ArrayBuffer(4);
    expect(() =>
      runInWorker(jobs, "byteLength", [buffer], { transfer: buffer as unknown as ArrayBuffer[] }),
    ).toThrow(/transfer must be an array/);
    expect(() => runInWorker(jobs, "add", [1, 2], { pool: {} as unknown as WorkerPool })).toThrow(
      /options.pool must be a WorkerPool/,
    );
  });

  it("args that are not an array are refused", () => {
    expect(() => runInWorker(jobs, "add", 3 as unknown as unknown[])).toThrow(
      /args must be an array/,
    );
  });

  it("a result that cannot be cloned fails the job, and the pool keeps serving", async () => {
    const p = pool({ size: 1 });
    const error = (await caught(() => p.run(jobs, "returnFunction"))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(
      /returnFunction\(\) returned a value that cannot be sent back .*the result is a function/,
    );
    expect(await run(() => p.run<number>(jobs, "add", [1, 2]))).toBe(3);
  });

  it("bad pool options are refused", () => {
    expect(() => new WorkerPool({ size: 0 })).toThrow(/size must be a whole number >= 1/);
    expect(() => new WorkerPool({ maxQueue: -1 })).toThrow(/maxQueue/);
    expect(() => new WorkerPool({ idleTimeoutMs: Number.NaN })).toThrow(/idleTimeoutMs/);
  });

  it("a full queue fails the job that does not fit", async () => {
    const p = pool({ size: 1, maxQueue: 1 });
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    await run(function* () {
      const a = spawn(() => p.run(jobs, "blockUntilReleased", [shared]));
      yield* until(() => Atomics.load(flags, 0) === 1, "the first job to start");
      const b = spawn(() => p.run(jobs, "blockUntilReleased", [shared]));
      yield* until(() => p.statistics().queued === 1, "the second job to queue");
      const c = spawn(() => p.run(jobs, "add", [1, 1]));
      const error = (yield* failureOf(c)) as Error;
      expect(error.message).toMatch(/queue is full \(maxQueue 1, size 1\)/);
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      expect([yield* a, yield* b]).toEqual(["released", "released"]);
    });
  });
});

describe("a thread that crashes fails its job; the pool replaces it", () => {
  it("process.exit() inside the job", async () => {
    const p = pool({ size: 1 });
    const error = (await caught(() => p.run(jobs, "exitThread", [3]))) as WorkerCrashError;
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(error.kind).toBe("exit");
    expect(error.message).toMatch(/exitThread in worker-jobs\.mjs exited with code 3/);
    expect(await run(() => p.run<number>(jobs, "add", [2, 2]))).toBe(4);
  });

  it("a job queued behind a crashing one still runs, on a new thread", async () => {
    const p = pool({ size: 1 });
    const [crash, next] = await run(function* () {
      const crashing = spawn(() => p.run(jobs, "exitThread", [4]));
      const queued = spawn(() => p.run<number>(jobs, "add", [5, 5]));
      return [yield* failureOf(crashing), yield* queued];
    });
    expect(crash).toBeInstanceOf(WorkerCrashError);
    expect(next).toBe(10);
  });

  it("an error escaping the job from a timer", async () => {
    const p = pool({ size: 1 });
    const error = (await caught(() => p.run(jobs, "crashFromTimer"))) as WorkerCrashError;
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(error.kind).toBe("uncaught");
    expect(error.message).toMatch(
      /crashed: an error escaped the job \(Error: escaped from a timer\)/,
    );
    expect(await run(() => p.run<number>(jobs, "add", [2, 3]))).toBe(5);
  });

  it("running out of memory (resourceLimits)", async () => {
    const p = pool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 24 } });
    const error = (await caught(() => p.run(jobs, "exhaustMemory"))) as WorkerCrashError;
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect(error.kind).toBe("out-of-memory");
    expect(error.message).toMatch(/ran out of memory/);
    expect(await run(() => p.run<number>(jobs, "add", [3, 3]))).toBe(6);
  });
});

describe("statistics and shutdown", () => {
  it("counts threads, running and queued jobs; shutdown lets submitted jobs finish, then threads exit", async () => {
    const p = pool({ size: 2 });
    expect(p.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
    const shared = new SharedArrayBuffer(8);
    const flags = new Int32Array(shared);
    await run(function* () {
      const running = [0, 1, 2].map(() =>
        spawn(() => p.run<string>(jobs, "blockUntilReleased", [shared])),
      );
      yield* until(() => Atomics.load(flags, 0) === 2, "two jobs to start");
      yield* until(() => p.statistics().queued === 1, "the third to queue");
      expect(p.statistics()).toEqual({ threads: 2, busy: 2, queued: 1 });
      const shutdown = spawn(() => p.shutdown());
      yield* sleep(10);
      expect(() => p.run(jobs, "add", [1, 1])).toThrow(/the pool is shut down/);
      expect(shutdown.isComplete).toBe(false);
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      for (const job of running) expect(yield* job).toBe("released");
      yield* shutdown;
    });
    expect(p.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
    expect(() => p.run(jobs, "add", [1, 1])).toThrow(/the pool is shut down/);
  });

  it("shutting down a pool that never ran a job", async () => {
    const p = new WorkerPool();
    await run(() => p.shutdown());
    expect(p.statistics().threads).toBe(0);
    expect(() => p.run(jobs, "add", [1, 1])).toThrow(/shut down/);
  });
});

describe("processes using the pool", () => {
  it("exit by themselves once their work is done (default pool and an own pool, JS and TS modules)", async () => {
    const { stdout } = await exec(process.execPath, ["test/fixtures/worker-exit-program.mjs"], {
      cwd: root,
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({ sum: 42, greeting: "hello, ts", own: 8, threads: 1 });
  });

  it("corio run: a TypeScript program's TypeScript worker module loads in the thread", async () => {
    const { stdout } = await exec(
      process.execPath,
      ["dist/cli/main.js", "run", "test/fixtures/worker-ts-program.ts"],
      { cwd: root, timeout: 20_000 },
    );
    expect(stdout.trim()).toBe("hello, corio run");
  });
});
