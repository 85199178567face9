/**
 * corio: lazy, cancellable, structured, inspectable coroutines for TypeScript
 * on Node.js. This is everything an application writes against; futures'
 * authors find the sharp tools in `corio/lowlevel`, tests in `corio/testing`.
 *
 * @module
 */

export type { Settled } from "./combinators/all.js";
export { all, allSettled } from "./combinators/all.js";
export type { ItemWork } from "./combinators/map-concurrent.js";
export { mapConcurrent } from "./combinators/map-concurrent.js";
export type { Selected } from "./combinators/race.js";
export { any, race, select } from "./combinators/race.js";
export type { Backoff, RetryOptions } from "./combinators/retry.js";
export { retry } from "./combinators/retry.js";
export type { Body } from "./core/body.js";
export { call } from "./core/call.js";
export type { StuckTask } from "./core/errors.js";
export { CancelledError, DeadlockError, TimeoutError } from "./core/errors.js";
export type { Coroutine, Future, Suspend } from "./core/future.js";
export { yieldNow } from "./core/future.js";
export type { TaskBody } from "./core/future-body.js";
export type { Item, ItemValue } from "./core/gather.js";
export type {
  DebugOptions,
  DebugWarning,
  DebugWarningKind,
  TraceEvent,
  TraceFile,
} from "./core/instrument.js";
export { JoinSet, joinSet } from "./core/join-set.js";
export type { Provide } from "./core/resource.js";
export { resource } from "./core/resource.js";
export type { RunOptions, RuntimeOptions, TaskInfo } from "./core/runtime.js";
export { Runtime } from "./core/runtime.js";
export type { ScopeBody } from "./core/scope.js";
export {
  CancelScope,
  cancelScope,
  currentDeadline,
  moveOnAfter,
  moveOnAt,
  timeoutAt,
} from "./core/scope.js";
export { currentTask, shield, spawn } from "./core/spawn.js";
export type { SpawnOptions, TaskState } from "./core/task.js";
export { Task } from "./core/task.js";
export { TaskGroup, taskGroup } from "./core/task-group.js";
export { TaskLocal } from "./core/task-local.js";
export { main, run } from "./run.js";
export type {
  ChunksOptions,
  EventEmitterLike,
  EventSource,
  EventTargetLike,
  Stream,
} from "./stream/index.js";
export {
  AsyncIterableStream,
  chunks,
  EventStream,
  filter,
  forEach,
  fromAsyncIterable,
  isStream,
  map,
  merge,
  on,
  once,
  take,
} from "./stream/index.js";
// sync: channels and synchronisation primitives (src/sync/)
export type { BarrierStatistics, BarrierWaitResult } from "./sync/barrier.js";
export { Barrier } from "./sync/barrier.js";
export type { AsyncOptions } from "./sync/bridge.js";
export type { BroadcastStatistics } from "./sync/broadcast.js";
export { BroadcastReceiver, BroadcastSender, broadcast } from "./sync/broadcast.js";
export type { CapacityLimiterStatistics } from "./sync/capacity-limiter.js";
export { CapacityLimiter, CapacityToken } from "./sync/capacity-limiter.js";
export type { ChannelStatistics } from "./sync/channel.js";
export { channel, Receiver, Sender, SendPermit, unboundedChannel } from "./sync/channel.js";
export type { ConditionStatistics } from "./sync/condition.js";
export { Condition } from "./sync/condition.js";
export {
  AlreadyReleasedError,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelFullError,
  LaggedError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  SemaphoreClosedError,
} from "./sync/errors.js";
export type { EventStatistics } from "./sync/event.js";
export { Event } from "./sync/event.js";
export type { MutexStatistics } from "./sync/mutex.js";
export { Mutex, MutexGuard } from "./sync/mutex.js";
export type { NotifyStatistics } from "./sync/notify.js";
export { Notify } from "./sync/notify.js";
export { OnceCell } from "./sync/once-cell.js";
export type { OneshotStatistics } from "./sync/oneshot.js";
export { OneshotReceiver, OneshotSender, oneshot } from "./sync/oneshot.js";
export type { QueueStatistics } from "./sync/queue.js";
export { LifoQueue, PriorityQueue, Queue } from "./sync/queue.js";
export type { RwLockOptions, RwLockStatistics } from "./sync/rwlock.js";
export { ReadGuard, RwLock, WriteGuard } from "./sync/rwlock.js";
export type { SemaphoreStatistics } from "./sync/semaphore.js";
export { Permit, Semaphore } from "./sync/semaphore.js";
export type { WatchStatistics } from "./sync/watch.js";
export { WatchReceiver, WatchSender, watch } from "./sync/watch.js";
export type { IntervalOptions, MissedTick } from "./time/interval.js";
export { Interval, interval } from "./time/interval.js";
export type { Sleep } from "./time/sleep.js";
export { now, sleep, sleepUntil } from "./time/sleep.js";
export { timeout } from "./time/timeout.js";
