/**
 * `mapConcurrent`: a function over many items, at most `limit` at a time.
 *
 * Built as `limit` worker tasks that take the next index from a shared cursor,
 * not as one task per item behind a semaphore: 100,000 items cost `limit`
 * tasks, and an item starts the moment a worker is free, with no wake-up
 * through a wait queue. The workers run under `gathered` (as `all` does), so
 * the first failure cancels the other workers, waits for their cleanup and is
 * thrown, and a cancel of the caller cancels and awaits them too.
 */
import type { Body } from "../core/body.js";
import { toCoroutine } from "../core/body.js";
import { delegate } from "../core/cleanup.js";
import type { Coroutine, Future } from "../core/future.js";
import type { Gather } from "../core/gather.js";
import { gathered, MORE } from "../core/gather.js";

/** What `fn` may return for an item: a coroutine or a future. */
export type ItemWork<R> = Coroutine<R> | Future<R>;

interface Job<T, R> {
  readonly items: readonly T[];
  readonly fn: (item: T, index: number) => ItemWork<R>;
  readonly results: R[];
  next: number;
}

/**
 * Runs `fn(item, index)` for every item, at most `limit` at once, and returns
 * the results in the order of `items` (not of completion). Each item's work
 * runs in one of `limit` child tasks of the caller.
 *
 * Cancellation: cancelling the caller cancels the items in progress, waits for
 * their cleanup and starts no more. The first failure does the same to the
 * others and is thrown (with any error their cleanup threw: AggregateError).
 *
 * Throws: RangeError if `limit` is not a whole number ≥ 1 (or `Infinity`);
 * TypeError if `fn` is not a function or `items` not iterable.
 *
 * @example
 * const lengths = yield* mapConcurrent(["a", "bb", "ccc"], 2, function* (word) {
 *   yield* sleep(10 * word.length);
 *   return word.length;
 * }); // [1, 2, 3]: in input order, at most two running at once
 */
export function* mapConcurrent<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, index: number) => ItemWork<R>,
): Coroutine<R[]> {
  if (
    typeof limit !== "number" ||
    !(limit >= 1) ||
    !(Number.isInteger(limit) || limit === Infinity)
  )
    throw new RangeError(
      `mapConcurrent(items, limit, fn): limit must be a whole number ≥ 1, got ${String(limit)}`,
    );
  if (typeof fn !== "function")
    throw new TypeError(
      "mapConcurrent(items, limit, fn): fn must be a function (item, index) => coroutine",
    );
  if (
    items === null ||
    typeof (items as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== "function"
  )
    throw new TypeError(
      "mapConcurrent(items, limit, fn): items must be an array or another iterable",
    );
  const list = Array.isArray(items) ? (items as readonly T[]) : Array.from(items);
  const n = list.length;
  const job: Job<T, R> = { items: list, fn, results: new Array(n), next: 0 };
  if (n === 0) return job.results;
  const workers = new Array(Math.min(limit, n));
  for (let k = 0; k < workers.length; k++) workers[k] = () => worker(job);
  yield* gathered(workers, "mapConcurrent", true, allWorkers, undefined);
  return job.results;
}

/** One worker: items in turn from the shared cursor, until none is left. */
function* worker<T, R>(job: Job<T, R>): Coroutine<void> {
  const { items, fn, results } = job;
  while (job.next < items.length) {
    const i = job.next++;
    // toCoroutine: a future becomes a coroutine; anything else is a clear TypeError.
    results[i] = yield* delegate(toCoroutine(fn(items[i] as T, i) as Body<R>, "mapConcurrent(fn)"));
  }
}

/** Waits for every worker; the first failure is thrown (and `gathered` cancels the rest). */
function allWorkers(gather: Gather, i: number): unknown {
  if (i >= 0) {
    gather.take(i);
    gather.count++;
  }
  return gather.count === gather.size ? undefined : MORE;
}
