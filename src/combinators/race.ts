/** `race`, `any` and `select`: the first item decides; the losers are cancelled. */
import type { Coroutine } from "../core/future.js";
import { UNWIND } from "../core/future.js";
import type { Item, ItemValue } from "../core/gather.js";
import { Gather, throwAll } from "../core/gather.js";

/**
 * Runs the items concurrently; the first to finish (with a value or an error)
 * wins. The losers are cancelled and their cleanup has finished when `race`
 * returns the winner's value or throws its error.
 *
 * @example
 * const first = yield* race([fromCache, fromNetwork]);
 */
export function* race<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<ItemValue<I[number]>> {
  if (items.length === 0) throw new RangeError("race([]): needs at least one item");
  const gather = Gather.start(items, "race");
  const errors: unknown[] = [];
  let value: unknown;
  let ended = false; // false while unwinding a cancellation (entered finally by return)
  try {
    const i = yield* gather.next();
    if (gather.ok(i)) value = gather.value(i);
    else errors.push(gather.error(i));
    ended = true;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    errors.push(...(yield* gather.stop(true)));
    if (errors.length > 0) throwAll(errors, "race()");
    if (!ended) yield* UNWIND;
  }
  return value as ItemValue<I[number]>;
}

/**
 * Runs the items concurrently; the first to succeed wins and the rest are
 * cancelled. Throws an AggregateError of every failure if none succeeds.
 *
 * @example
 * const reply = yield* any([askMirror1, askMirror2]);
 */
export function* any<const I extends readonly Item<unknown>[]>(
  items: I,
): Coroutine<ItemValue<I[number]>> {
  if (items.length === 0) throw new AggregateError([], "any([]): no item to succeed");
  const gather = Gather.start(items, "any");
  const failures: unknown[] = new Array(items.length);
  const errors: unknown[] = [];
  let value: unknown;
  let won = false;
  let ended = false; // false while unwinding a cancellation (entered finally by return)
  try {
    for (let left = items.length; left > 0 && !won; left--) {
      const i = yield* gather.next();
      if (gather.ok(i)) {
        value = gather.value(i);
        won = true;
      } else {
        failures[i] = gather.error(i);
      }
    }
    ended = true;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    errors.push(...(yield* gather.stop(false)));
    if (errors.length > 0) throwAll(errors, "any()");
    if (!ended) yield* UNWIND;
  }
  if (!won) throw new AggregateError(failures, "any(): every item failed");
  return value as ItemValue<I[number]>;
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
  const gather = Gather.start(
    keys.map((k) => branches[k] as Item<unknown>),
    "select",
    keys,
  );
  const errors: unknown[] = [];
  let result: { key: string; value: unknown } | undefined;
  let ended = false; // false while unwinding a cancellation (entered finally by return)
  try {
    const i = yield* gather.next();
    if (gather.ok(i)) result = { key: keys[i] as string, value: gather.value(i) };
    else errors.push(gather.error(i));
    ended = true;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    errors.push(...(yield* gather.stop(true)));
    if (errors.length > 0) throwAll(errors, "select()");
    if (!ended) yield* UNWIND;
  }
  return result as Selected<M>;
}
