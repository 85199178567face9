/**
 * Asynchronous cleanup: the one kernel primitive every combinator, scope and
 * primitive that must clean up after a body (and may wait while doing so) is
 * built on. Nothing outside src/core/ needs to know how the cancellation of a
 * task is carried through the frames of its coroutine.
 *
 * The problem it solves
 * ---------------------
 * A task is cancelled with `generator.return(CANCEL_TOKEN)`; every `finally`
 * on the way runs. When a `finally` in a nested frame suspends (`yield*` in
 * cleanup), the executor must resume the chain with `next()` so the cleanup
 * can finish; but JavaScript's `yield*` then forgets the return: once the
 * inner frame completes, the enclosing frames carry on as if nothing happened,
 * with `CANCEL_TOKEN` as the value of their `yield*` (see Effection issue
 * #1190). The kernel re-arms the unwinding with the `UNWIND` instruction: the
 * executor answers it with `return()` again if the task is cancelling.
 *
 * So any of our generators that waits in cleanup, or runs someone else's
 * coroutine inside its own frame, has to notice both cases and yield `UNWIND`.
 * The two helpers here do it once:
 *
 * - `withCleanup(body, cleanup)`: runs `body`, then `cleanup(exit)` however the
 *   body ended (returned, threw, or the task was cancelled), shielded so it runs
 *   to its end, then carries the ending on.
 * - `delegate(body)`: `yield* body` for a coroutine written by someone else,
 *   that keeps a cancellation unwinding.
 *
 * Effection builds its combinators on one `resource`/`action` primitive in the
 * same way (`lib/race.ts`, `lib/ensure.ts`); Trio's cancel scopes and nurseries
 * are `finally` blocks in `_core`, invisible to the code built on them.
 */
import { cur } from "./current.js";
import type { Coroutine, Future } from "./future.js";
import { CANCEL_TOKEN, UNWIND } from "./future.js";
import type { Task } from "./task.js";

/** How a body ended, as its cleanup sees it. */
export type Exit<T> =
  | { readonly kind: "returned"; readonly value: T }
  | { readonly kind: "threw"; readonly error: unknown }
  | { readonly kind: "cancelled" };

/** What `withCleanup` accepts as the body and the cleanup: a coroutine or a future. */
export type Waitable<T> = Coroutine<T> | Future<T>;

const CANCELLED: Exit<never> = { kind: "cancelled" };

/**
 * @internal Runs `body` in the current task, then `cleanup(exit)` however it
 * ended, then ends the same way: returns the body's value, rethrows its error,
 * or goes on unwinding the cancellation. The cleanup may wait (`yield*`), and
 * runs to its end: shielded from a cancel that arrives meanwhile (that cancel
 * takes effect at the next `yield*` after it), and a cancel that started it
 * cannot interrupt it either. If the cleanup throws, its error replaces the
 * ending, as a throwing `finally` does (a cancelled task then fails with it).
 * `Condition.wait` is the smallest user: wait for a notification, and take the
 * lock again on every way out.
 */
export function* withCleanup<T>(
  body: Waitable<T>,
  cleanup: (exit: Exit<T>) => Waitable<void>,
): Coroutine<T> {
  const task = cur.task as Task<unknown>;
  // Stays CANCELLED only if the `finally` is entered by a return: the task's
  // cancellation unwinding through this frame.
  let exit: Exit<T> = CANCELLED;
  try {
    const value = yield* body;
    // An inner frame finished an asynchronous cleanup of the cancellation.
    if ((value as unknown) !== CANCEL_TOKEN) exit = { kind: "returned", value };
  } catch (error) {
    exit = { kind: "threw", error };
  } finally {
    task._enterShield();
    try {
      yield* cleanup(exit);
    } finally {
      task._exitShield();
    }
    if (exit === CANCELLED) yield* UNWIND;
  }
  if (exit.kind === "threw") throw exit.error;
  return (exit as { value: T }).value;
}

/**
 * @internal `yield* body` for a coroutine someone else wrote (a user's body, a
 * handler): the same value, error or cancellation, except that a cancellation
 * whose cleanup suspended inside `body` goes on unwinding through our frame
 * instead of being taken for the body's value.
 */
export function* delegate<T>(body: Coroutine<T>): Coroutine<T> {
  const value = yield* body;
  if ((value as unknown) === CANCEL_TOKEN) yield* UNWIND;
  return value;
}
