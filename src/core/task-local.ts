/** `TaskLocal`: per-task values inherited by children, as `contextvars` and `AsyncLocalStorage`. */
import type { Body } from "./body.js";
import { toCoroutine } from "./body.js";
import { delegate } from "./cleanup.js";
import { cur } from "./current.js";
import type { Coroutine } from "./future.js";
import { requireTask } from "./spawn.js";

/**
 * A value that belongs to the current task: set it for a body with `with()`,
 * read it with `get()`. Children spawned inside the body inherit the value.
 *
 * @example
 * const requestId = new TaskLocal<string | null>(null);
 * yield* requestId.with("req-1", function* () {
 *   spawn(function* () { console.log(requestId.get()); }); // "req-1"
 * });
 */
export class TaskLocal<T> {
  readonly #initial: T;

  constructor(initial: T) {
    this.#initial = initial;
  }

  /** The value for the current task, or the initial value (also outside any task). */
  get(): T {
    const locals = cur.task?._locals;
    if (locals == null || !locals.has(this)) return this.#initial;
    return locals.get(this) as T;
  }

  /** Runs `body` in the current task with this local set to `value`, then restores it. */
  *with<R>(value: T, body: Body<R>): Coroutine<R> {
    const task = requireTask("TaskLocal.with()");
    const saved = task._locals;
    const locals = new Map(saved ?? undefined);
    locals.set(this, value);
    task._locals = locals;
    try {
      return yield* delegate(toCoroutine(body, "TaskLocal.with"));
    } finally {
      task._locals = saved;
    }
  }
}
