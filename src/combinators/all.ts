/** `all` and `allSettled`: wait for every item. */
import type { Coroutine } from "../core/future.js";
import { UNWIND } from "../core/future.js";
import type { Item, ItemValue } from "../core/gather.js";
import { Gather, throwAll } from "../core/gather.js";

/**
 * Runs every item concurrently (each body as its own child task) and returns
 * their values in order. The first failure cancels the rest, waits for their
 * cleanup, and is rethrown (with any errors from that cleanup: AggregateError).
 *
 * Cancellation: cancelling the caller cancels every owned item and waits for
 * their cleanup before the caller's own cleanup goes on.
 *
 * @example
 * const [a, b] = yield* all([fetchA, fetchB]);
 */
export function* all<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<{ -readonly [K in keyof I]: ItemValue<I[K]> }> {
  const gather = Gather.start(items, "all");
  const results: unknown[] = new Array(items.length);
  const errors: unknown[] = [];
  let ended = false; // false while unwinding a cancellation (entered finally by return)
  try {
    for (let left = items.length; left > 0; left--) {
      const i = yield* gather.next();
      if (!gather.ok(i)) {
        errors.push(gather.error(i));
        break;
      }
      results[i] = gather.value(i);
    }
    ended = true;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    errors.push(...(yield* gather.stop(true)));
    if (errors.length > 0) throwAll(errors, "all()");
    if (!ended) yield* UNWIND;
  }
  return results as { -readonly [K in keyof I]: ItemValue<I[K]> };
}

/** The outcome of one item of `allSettled`, as `Promise.allSettled` reports it. */
export type Settled<T> =
  | { status: "fulfilled"; value: T }
  | { status: "rejected"; reason: unknown };

/**
 * Runs every item concurrently and returns each outcome, never throwing for an
 * item's failure (a cancelled item is rejected with its CancelledError).
 *
 * @example
 * const outcomes = yield* allSettled([mayFail, alsoMayFail]);
 */
export function* allSettled<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<{ -readonly [K in keyof I]: Settled<ItemValue<I[K]>> }> {
  const gather = Gather.start(items, "allSettled");
  const results: Settled<unknown>[] = new Array(items.length);
  const errors: unknown[] = [];
  let ended = false; // false while unwinding a cancellation (entered finally by return)
  try {
    for (let left = items.length; left > 0; left--) {
      const i = yield* gather.next();
      results[i] = gather.ok(i)
        ? { status: "fulfilled", value: gather.value(i) }
        : { status: "rejected", reason: gather.error(i) };
    }
    ended = true;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    errors.push(...(yield* gather.stop(false)));
    if (errors.length > 0) throwAll(errors, "allSettled()");
    if (!ended) yield* UNWIND;
  }
  return results as { -readonly [K in keyof I]: Settled<ItemValue<I[K]>> };
}
