/**
 * `corio/worker`: CPU work and threads. `runInWorker` runs a module's exported
 * function on a pool of worker threads (`WorkerPool`), cancellable and
 * visible in task listings as what its task waits on.
 */
export type { WorkerCrashKind } from "./errors.js";
export { WorkerCrashError } from "./errors.js";
export type { RunOptions, WorkerPoolOptions, WorkerPoolStatistics } from "./pool.js";
export { WorkerPool } from "./pool.js";
export type { RunInWorkerOptions } from "./run.js";
export { runInWorker } from "./run.js";
