/**
 * `runInWorker`: the one-call way to move CPU work off the event loop, on the
 * default pool (or the pool given).
 */
import type { Coroutine } from "../core/future.js";
import { getDefaultPool, type RunOptions, WorkerPool } from "./pool.js";

/** Options for `runInWorker`. */
export interface RunInWorkerOptions extends RunOptions {
  /** The pool to run on. @default the default pool: availableParallelism() threads, started on first use */
  pool?: WorkerPool;
}

/**
 * Runs `module`'s export `exportName` (a sync or async function) with `args`
 * on a worker thread and waits for its result:
 * `const digest = yield* runInWorker(new URL("./hash.js", import.meta.url), "sha256", [data])`.
 * `module` is an absolute path or a `file:` URL; a TypeScript module works
 * under `corio run` (and wherever tsx is installed). Arguments and result are
 * structured-cloned; `transfer` lists `ArrayBuffer`s that move instead.
 *
 * Cancellation: a job still queued is removed; a running job's thread is
 * terminated and replaced, and the caller resumes only after that thread is
 * gone. The job's work is lost either way.
 *
 * Throws at the call: `TypeError` for a relative path (the fix is
 * `new URL("./hash.js", import.meta.url)`), a missing module, an argument that
 * cannot be cloned; `Error` for a shut-down pool. From the job: the function's
 * error with its `name`, `message` and the worker's stack; `TypeError` when the
 * module lacks the export; `WorkerCrashError` when the thread crashed, exited
 * or ran out of memory (the pool replaces it and keeps serving).
 *
 * @example
 * const hash = new URL("./hash.js", import.meta.url);
 * const digest = yield* runInWorker<string>(hash, "sha256", [bytes.buffer], { transfer: [bytes.buffer] });
 */
export function runInWorker<T = unknown>(
  module: string | URL,
  exportName: string,
  args: readonly unknown[] = [],
  options: RunInWorkerOptions = {},
): Coroutine<T> {
  const pool = options.pool ?? getDefaultPool();
  if (!(pool instanceof WorkerPool)) {
    throw new TypeError(
      `runInWorker(): options.pool must be a WorkerPool (new WorkerPool({size})), got ${typeof pool}`,
    );
  }
  return pool._job<T>("runInWorker", module, exportName, args, options);
}
