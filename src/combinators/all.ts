/** `all` and `allSettled`: wait for every item. */
import type { Coroutine } from "../core/future.js";
import type { Gather, Item, ItemValue } from "../core/gather.js";
import { gathered, MORE } from "../core/gather.js";

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

// The steps are module-level functions (see `gathered`): called once per completion, i = -1 first.

function allValues(gather: Gather, i: number): unknown {
  if (i < 0) {
    gather.acc = new Array(gather.size);
  } else {
    (gather.acc as unknown[])[i] = gather.take(i);
    gather.count++;
  }
  return gather.count === gather.size ? gather.acc : MORE;
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

function allOutcomes(gather: Gather, i: number): unknown {
  if (i < 0) {
    gather.acc = new Array(gather.size);
  } else {
    (gather.acc as Settled<unknown>[])[i] = gather.ok(i)
      ? { status: "fulfilled", value: gather.value(i) }
      : { status: "rejected", reason: gather.error(i) };
    gather.count++;
  }
  return gather.count === gather.size ? gather.acc : MORE;
}
