/**
 * Joining a task: the things that wait for a task to complete.
 *
 * The model
 * ---------
 * A task keeps its joiners in a singly-linked list through `nextJoiner`
 * (`Task._addJoiner`, `_removeJoiner`); when it completes it unlinks each and
 * calls `joinerDone()`, in the completing task's step. A joiner whose `waker`
 * is the task's parent counts as the parent joining, so a failure goes to the
 * joiner and not, unjoined, to the parent (see `Task._complete`). The joiners:
 *
 * - `JoinFuture`: `yield* task` (and a low-level `poll` of a task); dropping it
 *   leaves the task running, and a failure routed to it that it never handed
 *   over is given back to the task (`_undelivered`), so no error is lost;
 * - `PromiseJoiner`: `await task` from plain async code;
 * - `RunJoiner` (runtime.ts): the end of a `run`; `Entry` (gather.ts): a
 *   combinator joining its items.
 *
 * As Tokio keeps `JoinHandle` in `runtime/task/join.rs`, apart from the task.
 */
import type { Context, Pending, Waker } from "./future.js";
import { FutureBase, PENDING } from "./future.js";
import { keepShapes } from "./kept-shapes.js";
import type { Runtime } from "./runtime.js";
import type { Task } from "./task.js";

/** @internal Something waiting for a task to complete: a join, a promise, a run. */
export interface Joiner {
  /** The waker of the joining task, if the joiner is a task (used to tell "the parent joins"). */
  readonly waker: Waker | null;
  nextJoiner: Joiner | null;
  /** The task completed; the joiner is already unlinked. */
  joinerDone(): void;
}

/** Settles a promise with a completed task's outcome. */
export function settle<T>(
  task: Task<T>,
  resolve: (v: T) => void,
  reject: (e: unknown) => void,
): void {
  let value: T;
  try {
    value = task._result();
  } catch (error) {
    reject(error);
    return;
  }
  resolve(value);
}

/** `await task`: settles the task's promise when it completes. */
export class PromiseJoiner<T> implements Joiner {
  readonly waker = null;
  nextJoiner: Joiner | null = null;
  readonly #task: Task<T>;
  readonly #resolve: (v: T) => void;
  readonly #reject: (e: unknown) => void;
  constructor(task: Task<T>, resolve: (v: T) => void, reject: (e: unknown) => void) {
    this.#task = task;
    this.#resolve = resolve;
    this.#reject = reject;
  }
  joinerDone(): void {
    settle(this.#task, this.#resolve, this.#reject);
  }
}

/** `yield* task`: waits for the task; dropping the wait leaves the task running. */
export class JoinFuture<T> extends FutureBase<T> implements Joiner {
  waker: Waker | null;
  nextJoiner: Joiner | null = null;
  readonly #task: Task<T>;
  /**
   * Set when the task completed while this join was registered, so its failure
   * was routed here (not to the parent); cleared when a poll hands it over.
   * Invariant: a failure routed here is delivered by a poll or, if the join is
   * dropped first, handed to the parent as if nobody had joined: never lost.
   */
  #owed = false;

  constructor(task: Task<T>, waker: Waker | null = null) {
    super();
    this.#task = task;
    this.waker = waker;
  }

  get task(): Task<T> {
    return this.#task;
  }

  /** Only tasks of `rt` can complete a join of one of its own tasks still running. */
  isLocalTo(rt: Runtime): boolean {
    return !this.#task.isComplete && this.#task._findRuntime() === rt;
  }

  poll(cx: Context): T | Pending {
    const t = this.#task;
    if (t.isComplete) {
      this.#owed = false;
      return t._result();
    }
    if (this.waker === null) {
      this.waker = cx.waker;
      t._addJoiner(this);
    } else {
      this.waker = cx.waker;
    }
    return PENDING;
  }

  cancel(): void {
    if (this.waker !== null) {
      this.#task._removeJoiner(this);
      this.waker = null;
    } else if (this.#owed) {
      this.#owed = false;
      this.#task._undelivered();
    }
  }

  joinerDone(): void {
    const w = this.waker;
    this.waker = null;
    // Owed only if the failure came here instead of to the parent (see _complete).
    const parent = this.#task.parent;
    this.#owed = this.#task.state === "failed" && (parent === null || w === parent);
    w?.wake();
  }

  override describe(): string {
    return `join ${this.#task.name}`;
  }
}

// One join kept alive, so the executor's optimized code that embeds its map survives a full GC.
keepShapes(new JoinFuture<unknown>(null as unknown as Task<unknown>));
