/** `race`, `any` and `select`: the first item decides; the losers are cancelled. */
import type { Coroutine } from "../core/future.js";
import type { Gather, Item, ItemValue } from "../core/gather.js";
import { gathered, MORE } from "../core/gather.js";

/**
 * Runs the items concurrently; the first to finish (with a value or an error)
 * wins. The losers are cancelled and their cleanup has finished when `race`
 * returns the winner's value or throws its error.
 *
 * @example
 * const first = yield* race([fromCache, fromNetwork]);
 */
export function race<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<ItemValue<I[number]>> {
  return gathered(items, "race", true, first, undefined) as never;
}

// The steps are module-level functions (see `gathered`): called once per completion, i = -1 first.

function first(gather: Gather, i: number): unknown {
  if (i >= 0) return gather.take(i);
  if (gather.size === 0) throw new RangeError("race([]): needs at least one item");
  return MORE;
}

/**
 * Runs the items concurrently; the first to succeed wins and the rest are
 * cancelled. Throws an AggregateError of every failure if none succeeds.
 *
 * @example
 * const reply = yield* any([askMirror1, askMirror2]);
 */
export function any<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<ItemValue<I[number]>> {
  return gathered(items, "any", false, firstSuccess, undefined) as never;
}

function firstSuccess(gather: Gather, i: number): unknown {
  if (i < 0) {
    if (gather.size === 0) throw new AggregateError([], "any([]): no item to succeed");
    return MORE;
  }
  if (gather.ok(i)) return gather.value(i);
  if (gather.acc === undefined) gather.acc = new Array(gather.size);
  (gather.acc as unknown[])[i] = gather.error(i);
  if (++gather.count < gather.size) return MORE;
  throw new AggregateError(gather.acc as unknown[], "any(): every item failed");
}

/** What `select` returns: which branch won, and its value. */
export type Selected<M> = { [K in keyof M]: { key: K; value: ItemValue<M[K]> } }[keyof M];

/**
 * Like Tokio's `select!`: runs the named items concurrently and returns the
 * first to finish as `{key, value}` (or throws its error); the others are
 * cancelled and their cleanup has finished.
 *
 * Cancel safety: a losing `recv` took nothing, a losing `send` sent nothing.
 *
 * @example
 * const got = yield* select({ msg: rx.recv(), tick: sleep(1000) });
 * if (got.key === "tick") console.log("idle");
 */
export function* select<const M extends Record<string, Item<unknown>>>(
  branches: M,
): Coroutine<Selected<M>> {
  if (branches === null || typeof branches !== "object") {
    throw new TypeError("select(): expected an object of named tasks, futures or bodies");
  }
  const keys = Object.keys(branches);
  if (keys.length === 0) throw new RangeError("select({}): needs at least one branch");
  const items = keys.map((k) => branches[k] as Item<unknown>);
  return (yield* gathered(items, "select", true, firstKeyed, keys, keys)) as Selected<M>;
}

function firstKeyed(gather: Gather, i: number, keys: string[]): unknown {
  if (i < 0) return MORE;
  return { key: keys[i] as string, value: gather.take(i) };
}
