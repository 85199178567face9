/**
 * corio: lazy, cancellable, structured, inspectable coroutines for TypeScript
 * on Node.js. This is everything an application writes against; futures'
 * authors find the sharp tools in `corio/lowlevel`, tests in `corio/testing`.
 */

export type { Settled } from "./combinators/all.js";
export { all, allSettled } from "./combinators/all.js";
export type { Selected } from "./combinators/race.js";
export { any, race, select } from "./combinators/race.js";
export type { Body } from "./core/body.js";
export { call } from "./core/call.js";
export type { StuckTask } from "./core/errors.js";
export { CancelledError, DeadlockError, TimeoutError } from "./core/errors.js";
export type { Coroutine, Future } from "./core/future.js";
export { yieldNow } from "./core/future.js";
export type { Item, ItemValue } from "./core/gather.js";
export type { RunOptions, RuntimeOptions, TaskInfo } from "./core/runtime.js";
export { Runtime } from "./core/runtime.js";
export { currentTask, shield, spawn } from "./core/spawn.js";
export type { SpawnOptions, TaskState } from "./core/task.js";
export { Task } from "./core/task.js";
export { TaskGroup, taskGroup } from "./core/task-group.js";
export { TaskLocal } from "./core/task-local.js";
export { main, run } from "./run.js";
export type { IntervalOptions, MissedTick } from "./time/interval.js";
export { Interval, interval } from "./time/interval.js";
export { now, sleep, sleepUntil } from "./time/sleep.js";
export { timeout } from "./time/timeout.js";
