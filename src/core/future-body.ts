/**
 * A future as a task's body: `spawn(output(...))`, `spawn(() => someFuture)`,
 * `run(future)`. Kept apart from body.ts so the hot check there stays as it is:
 * `toCoroutine` reaches this only after a body failed the coroutine test.
 */
import type { Coroutine, Future } from "./future.js";
import { isFuture } from "./future.js";

/** What `spawn`, `run` and `runtime.spawn` accept: a body, a future, or a function returning either. */
export type TaskBody<T> = Coroutine<T> | Future<T> | (() => Coroutine<T> | Future<T>);

/** @internal A coroutine that waits on `made` if it is a future, else null. */
export function futureAsCoroutine(made: unknown): Coroutine<unknown> | null {
  return isFuture(made) ? awaitFuture(made) : null;
}

function* awaitFuture<T>(future: Future<T>): Coroutine<T> {
  return yield* future;
}
