/** `all` and `allSettled`: wait for every item. */
import type { Coroutine } from "../core/future.js";
import type { Gather, Item, ItemValue } from "../core/gather.js";
import { gathered } from "../core/gather.js";

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
export function all<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<{ -readonly [K in keyof I]: ItemValue<I[K]> }> {
  return gathered(items, "all", true, allValues, undefined) as never;
}

function* allValues(gather: Gather): Coroutine<unknown[]> {
  const results: unknown[] = new Array(gather.size);
  for (let left = gather.size; left > 0; left--) {
    const i = yield* gather.next();
    results[i] = gather.take(i);
  }
  return results;
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
export function allSettled<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<{ -readonly [K in keyof I]: Settled<ItemValue<I[K]>> }> {
  return gathered(items, "allSettled", false, allOutcomes, undefined) as never;
}

function* allOutcomes(gather: Gather): Coroutine<Settled<unknown>[]> {
  const results: Settled<unknown>[] = new Array(gather.size);
  for (let left = gather.size; left > 0; left--) {
    const i = yield* gather.next();
    results[i] = gather.ok(i)
      ? { status: "fulfilled", value: gather.value(i) }
      : { status: "rejected", reason: gather.error(i) };
  }
  return results;
}
