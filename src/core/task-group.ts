/** `taskGroup`: a scope whose children are all waited for (Trio's nursery, asyncio's TaskGroup). */
import type { Body } from "./body.js";
import { toCoroutine } from "./body.js";
import { delegate } from "./cleanup.js";
import { cur } from "./current.js";
import { CancelledError } from "./errors.js";
import type { Coroutine } from "./future.js";
import { type Gather, gathered, MORE } from "./gather.js";
import type { Runtime } from "./runtime.js";
import { ChildrenDone } from "./spawn.js";
import type { SpawnOptions } from "./task.js";
import { Task } from "./task.js";

/** The handle a `taskGroup` body receives. */
export class TaskGroup {
  #task: Task<unknown> | null = null;
  #closed = false;
  #cancelled = false;

  /**
   * Starts `body` as a child of the group. The group waits for it; if it fails,
   * the group cancels its other children and fails with that error.
   *
   * Throws: if the group has closed (its body and children have finished).
   */
  spawn<T>(body: Body<T>, options?: SpawnOptions): Task<T> {
    const task = this.#task;
    if (task === null || this.#closed || task.isComplete || task._closing) {
      throw new Error("taskGroup: cannot spawn into a group that has closed");
    }
    return Task._spawn(body, task, task._findRuntime() as Runtime, options, "group.spawn");
  }

  /**
   * Cancels the group: its children and its body are cancelled, their cleanup
   * runs, and `taskGroup` returns `undefined` (no error). A child that fails
   * meanwhile (in its cleanup, say) still fails the group. Does nothing once
   * the group has closed.
   */
  cancel(): void {
    if (this.#closed || this.#cancelled) return;
    this.#cancelled = true;
    this.#task?.cancel();
  }

  /** @internal True once `cancel()` was called. */
  get _cancelled(): boolean {
    return this.#cancelled;
  }

  /** True once the group has finished: spawning is no longer allowed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal */
  _open(task: Task<unknown>): void {
    this.#task = task;
  }

  /** @internal */
  _close(): void {
    this.#closed = true;
  }
}

/**
 * Runs `body(group)` in a child task; tasks started with `group.spawn` are
 * children of the group. Returns the body's value once the body and every child
 * have finished. The first failure (of the body or a child) cancels everything
 * else in the group, waits for its cleanup, and is rethrown; several failures
 * are rethrown as an AggregateError. `group.cancel()` cancels the body and the
 * children; the group then returns `undefined`.
 *
 * @example
 * yield* taskGroup(function* (group) {
 *   for (const url of urls) group.spawn(() => fetchOne(url));
 * });
 */
export function* taskGroup<T>(body: (group: TaskGroup) => Coroutine<T>): Coroutine<T | undefined> {
  if (typeof body !== "function")
    throw new TypeError("taskGroup(body): body must be a function (group) => coroutine");
  const group = new TaskGroup();
  try {
    return (yield* gathered([groupBody(group, body)], "taskGroup", true, groupResult, group)) as T;
  } finally {
    group._close(); // only now: children may spawn into the group during their cleanup
  }
}

// Module-level, not closures made on every call (see `gathered`).

function* groupBody<T>(group: TaskGroup, body: (group: TaskGroup) => Coroutine<T>): Coroutine<T> {
  group._open(cur.task as Task<unknown>);
  const value = yield* delegate(toCoroutine(body(group), "taskGroup"));
  yield* new ChildrenDone();
  return value;
}

function groupResult(gather: Gather, i: number, group: TaskGroup): unknown {
  if (i < 0) return MORE;
  group._close();
  // Cancelled by group.cancel(), and nothing failed: the group moves on.
  if (group._cancelled && !gather.ok(0) && gather.error(0) instanceof CancelledError)
    return undefined;
  return gather.take(0);
}
