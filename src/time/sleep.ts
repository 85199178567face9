/** `sleep`, `sleepUntil` and `now`: the user-facing side of the timer wheel. */
import { cur } from "../core/current.js";
import type { Future } from "../core/future.js";
import { YIELD_NOW } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { SleepTimer, Timer } from "../core/timer.js";
import { checkDuration } from "./duration.js";

/**
 * The future of `sleep(ms)` for `ms > 0`: it knows its deadline and can be
 * moved (Tokio's `Sleep`).
 */
export interface Sleep extends Future<void> {
  /**
   * The absolute deadline in ms on the runtime's clock (`now()`), rounded up
   * to a whole ms (timers fire on whole-ms ticks): fixed when `sleep` is
   * called inside a runtime, else at the first poll (NaN until then).
   */
  readonly deadline: number;
  /**
   * Moves the deadline to `deadline` (absolute, on `now()`'s clock, rounded
   * up to a whole ms), even
   * after the sleep completed: it then waits again when awaited (Tokio's
   * `Sleep::reset`). A task waiting on it waits for the new deadline.
   *
   * Throws: RangeError unless `deadline` is a finite number >= 0.
   */
  reset(deadline: number): void;
}

/**
 * Suspends the current task for `ms` milliseconds on the runtime's clock.
 * For `ms > 0` the future is a `Sleep` (with `deadline` and `reset`);
 * `sleep(0)` is a plain yield: it suspends to the back of the ready queue.
 *
 * Cancellation: the timer is removed at once; nothing else happens.
 * Throws: RangeError for a negative or infinite duration (TypeError for NaN).
 *
 * @example
 * yield* sleep(250);
 * const s = sleep(1000);
 * s.reset(s.deadline - 900); // wake 100 ms after the sleep was made instead
 * yield* s;
 */
export function sleep(ms: 0): Future<void>;
export function sleep(ms: number): Sleep;
export function sleep(ms: number): Future<void> | Sleep {
  checkDuration(ms, "sleep(ms)");
  return ms === 0 ? YIELD_NOW : trackCreation(SleepTimer.sleep(ms));
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
