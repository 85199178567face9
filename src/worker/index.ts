/**
 * `corio/worker`: CPU work and threads. `runInWorker` runs a module's exported
 * function on a pool of worker threads (`WorkerPool`), cancellable and
 * visible in task listings as what its task waits on; `spawnWorker` runs a
 * coroutine on a corio runtime of its own in a new thread, and
 * `workerChannel` connects threads with backpressure.
 *
 * @module
 */

export { WorkerReceiver, WorkerSender, workerChannel } from "./channel.js";
export type { WorkerCrashKind } from "./errors.js";
export { WorkerCrashError } from "./errors.js";
export type { RunOptions, WorkerPoolOptions, WorkerPoolStatistics } from "./pool.js";
export { WorkerPool } from "./pool.js";
export type { RunInWorkerOptions } from "./run.js";
export { runInWorker } from "./run.js";
export type { SpawnWorkerOptions } from "./spawn.js";
export { spawnWorker } from "./spawn.js";
