/** `sleep`, `sleepUntil` and `now`: the user-facing side of the timer wheel. */
import { cur } from "../core/current.js";
import type { Future } from "../core/future.js";
import { YIELD_NOW } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { Timer } from "../core/timer.js";
import { checkDuration } from "./duration.js";

/**
 * Suspends the current task for `ms` milliseconds on the runtime's clock.
 * `sleep(0)` still suspends, to the back of the ready queue.
 *
 * Cancellation: the timer is removed at once; nothing else happens.
 * Throws: RangeError for a negative, NaN or infinite duration.
 *
 * @example
 * yield* sleep(250);
 */
export function sleep(ms: number): Future<void> {
  checkDuration(ms, "sleep(ms)");
  return ms === 0 ? YIELD_NOW : trackCreation(Timer.after(ms));
}

/**
 * Suspends the current task until `now()` reaches `at`. A deadline already
 * passed still suspends once, to the back of the ready queue.
 *
 * @example
 * const start = now();
 * yield* sleepUntil(start + 1000);
 */
export function sleepUntil(at: number): Future<void> {
  if (typeof at !== "number" || !Number.isFinite(at)) {
    throw new RangeError(
      `sleepUntil(at): the deadline must be a finite number of milliseconds, got ${String(at)}`,
    );
  }
  return trackCreation(Timer.at(at));
}

/**
 * The current runtime's clock in milliseconds: monotonic real time
 * (`performance.now()`), or virtual time under `runTest`. Outside a runtime,
 * `performance.now()`.
 */
export function now(): number {
  const rt = cur.rt;
  return rt === null ? performance.now() : rt.now();
}
