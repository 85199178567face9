/**
 * The structured-concurrency vocabulary over tasks: `spawn`, `currentTask`,
 * `shield`, and the children-wait that `taskGroup` is built on.
 */
import type { Body } from "./body.js";
import { cur } from "./current.js";
import type { Context, Pending } from "./future.js";
import { FutureBase, PENDING } from "./future.js";
import type { TaskBody } from "./future-body.js";
import type { Runtime } from "./runtime.js";
import type { SpawnOptions } from "./task.js";
import { Task } from "./task.js";

/**
 * Starts `body` (a coroutine, a future, or a function returning either) as a
 * child of the current task and returns its handle. The child is scheduled,
 * never run synchronously: the caller runs on until it suspends. The child cannot outlive the caller: when the caller's body ends,
 * a child still running is cancelled and awaited. If the child fails while the
 * caller is not joining it, the caller fails at once.
 *
 * To start a task per item, connection or request, call a generator function
 * defined once with the item, `spawn(handle(conn))` (or `spawn(() => handle(conn))`):
 * a `function*` written inline is a new function per task, which V8 charges
 * about 1 µs more to start (docs/concepts.md, "Starting many tasks: the fast idiom").
 *
 * A generator function passed as the body has its `prototype` replaced, on
 * first use, by one object corio shares among all bodies: V8 then need not
 * build one per closure for `spawn(function* () {...})` (docs/internals.md,
 * "Spawn path"). Nothing else about the function changes.
 *
 * Throws: if there is no current task (use `runtime.spawn` for a root task).
 *
 * @example
 * const child = spawn(function* () { yield* sleep(10); return 42; });
 * const answer = yield* child;
 * @example
 * function* square(n: number): Coroutine<number> {
 *   yield* sleep(n);
 *   return n * n;
 * }
 * const tasks = [1, 2, 3].map((n) => spawn(square(n))); // a task per item
 * for (const task of tasks) console.log(yield* task); // 1, 4, 9
 */
export function spawn<T>(body: TaskBody<T>, options?: SpawnOptions): Task<T> {
  const parent = cur.task;
  if (parent === null) {
    throw new Error(
      "spawn() needs a current task: call it inside a running coroutine, or use runtime.spawn() to add a root task",
    );
  }
  return Task._spawn(body as Body<T>, parent, cur.rt as Runtime, options, "spawn");
}

/** The task whose step is running now, or null outside any task. */
export function currentTask(): Task<unknown> | null {
  return cur.task;
}

/** @internal The current task, or a clear error naming `what`. */
export function requireTask(what: string): Task<unknown> {
  const task = cur.task;
  if (task === null)
    throw new Error(`${what} must run inside a corio task (inside run(), spawn() or a Runtime)`);
  return task;
}

// `shield` is a cancel scope with `shield = true` (scope.ts); exported from here as before.
export { shield } from "./scope.js";

/** @internal Ready when the current task has no children left. Not a join: failures still fail the task. */
export class ChildrenDone extends FutureBase<void> {
  #task: Task<unknown> | null = null;

  poll(cx: Context): undefined | Pending {
    if (this.#task === null) this.#task = cur.task as Task<unknown>;
    const task = this.#task;
    // Resources held for the task are released when its body ends, after this wait.
    if (!task._hasChildren || task._onlyHeldChildren) {
      task._waitChildren(null);
      return undefined;
    }
    task._waitChildren(cx.waker);
    return PENDING;
  }

  cancel(): void {
    this.#task?._waitChildren(null);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#task !== null && this.#task._findRuntime() === rt;
  }

  override describe(): string {
    return "its children to finish";
  }
}
