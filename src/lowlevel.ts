/**
 * `corio/lowlevel`: for authors of leaf futures. No guard rails: a `poll` that
 * returns `PENDING` without storing `cx.waker` parks its task forever, and a
 * future that is polled after it completed may misbehave. Application code
 * should compose the futures `corio` provides instead.
 *
 * @module
 */
export type { Context, Pending, Waker } from "./core/future.js";
export { FutureBase, PENDING, pending, pollFn, ready } from "./core/future.js";
export { trackCreation } from "./core/instrument.js";
export type { WaiterState } from "./core/parking-lot.js";
export { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "./core/parking-lot.js";
