/**
 * `joinSet()`: a set of tasks joined in the order they complete (Tokio's
 * `JoinSet`).
 *
 * The model
 * ---------
 * The set belongs to the task that made it (its owner). Its tasks are the
 * owner's children, so none outlives the owner: when the owner's body ends,
 * the kernel cancels those still running and waits for them, as for any child.
 * Each task has a `SetEntry` joiner whose `waker` is the owner while the
 * owner's body runs: the kernel then counts a failure as joined (see
 * `Task._complete`) and the set holds it for `joinNext`, which throws it. Once
 * the owner's body has ended nobody can join any more, so the entry reports no
 * waker and a task failing then fails the owner, as an unjoined child does.
 *
 * `#done` is the completion queue: tasks complete, not yet handed out, in the
 * order they completed. Invariant: `size` = tasks running + `#done.length`.
 */
import type { Body } from "./body.js";
import type { Context, Future, Pending, Waker } from "./future.js";
import { FutureBase, PENDING } from "./future.js";
import type { TaskBody } from "./future-body.js";
import { trackCreation } from "./instrument.js";
import type { Joiner } from "./join.js";
import type { Runtime } from "./runtime.js";
import { requireTask } from "./spawn.js";
import type { SpawnOptions } from "./task.js";
import { Task } from "./task.js";

class SetEntry<T> implements Joiner {
  nextJoiner: Joiner | null = null;
  readonly #set: JoinSet<T>;
  readonly task: Task<T>;
  constructor(set: JoinSet<T>, task: Task<T>) {
    this.#set = set;
    this.task = task;
  }
  /** The owner while its body runs (a failure is then held for joinNext), else none. */
  get waker(): Waker | null {
    const owner = this.#set._owner;
    return owner.isComplete || owner._closing ? null : owner;
  }
  joinerDone(): void {
    this.#set._completed(this);
  }
}

/** What `joinNext` gives: `{done: false, value}` for a task's value, `{done: true}` once the set is empty. */
const EMPTY: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A set of tasks owned by one task, joined in completion order. Made by `joinSet()`. */
export class JoinSet<T> {
  /** @internal */
  readonly _owner: Task<unknown>;
  #running = new Set<SetEntry<T>>();
  #done: SetEntry<T>[] = [];
  #read = 0;
  /** The owner's pending `joinNext`, if any. */
  #waker: Waker | null = null;

  /** @internal Use `joinSet()`. */
  constructor(owner: Task<unknown>) {
    this._owner = owner;
  }

  /** Tasks in the set: running, or complete and not yet returned by `joinNext`. */
  get size(): number {
    return this.#running.size + this.#done.length - this.#read;
  }

  /**
   * Starts `body` as a task of the set (a child of the set's owner) and returns
   * its handle. It may be called from any task of the owner's runtime.
   *
   * Throws: if the owner's body has ended (nothing could join the task).
   */
  spawn(body: TaskBody<T>, options?: SpawnOptions): Task<T> {
    const owner = this._owner;
    if (owner.isComplete || owner._closing)
      throw new Error(`joinSet.spawn: the set's owner (${owner.name}) has ended`);
    const task = Task._spawn(
      body as Body<T>,
      owner,
      owner._findRuntime(),
      options,
      "joinSet.spawn",
    );
    const entry = new SetEntry(this, task);
    this.#running.add(entry);
    task._addJoiner(entry);
    return task;
  }

  /**
   * Waits for the next task of the set to complete and returns
   * `{done: false, value}`, in completion order; `{done: true}` once the set is
   * empty. A task that failed is taken out of the set and its error thrown
   * here (a cancelled one: `CancelledError`).
   *
   * Cancellation: cancel-safe: a task completing while the wait is cancelled
   * stays in the set for the next `joinNext`.
   *
   * Throws: the task's error; an Error if called from a task other than the owner.
   *
   * @example
   * const set = joinSet<number>();
   * set.spawn(function* () {
   *   return 1;
   * });
   * for (let r = yield* set.joinNext(); !r.done; r = yield* set.joinNext()) console.log(r.value);
   */
  joinNext(): Future<IteratorResult<T, undefined>> {
    const caller = requireTask("joinSet.joinNext()");
    if (caller !== this._owner)
      throw new Error(
        `joinSet.joinNext(): the set belongs to task ${this._owner.name}; only its owner may join it (called from ${caller.name})`,
      );
    return trackCreation(new NextResult(this));
  }

  /** Cancels every task still running; each stays in the set until `joinNext` returns its `CancelledError`. */
  cancelAll(reason?: unknown): void {
    for (const entry of this.#running) entry.task.cancel(reason);
  }

  /** @internal A task of the set completed. */
  _completed(entry: SetEntry<T>): void {
    this.#running.delete(entry);
    this.#done.push(entry);
    const waker = this.#waker;
    this.#waker = null;
    waker?.wake();
  }

  /** @internal */
  _poll(cx: Context): IteratorResult<T, undefined> | Pending {
    if (this.#read < this.#done.length) {
      const entry = this.#done[this.#read] as SetEntry<T>;
      this.#done[this.#read++] = undefined as never;
      if (this.#read > 64 && this.#read * 2 > this.#done.length) {
        this.#done = this.#done.slice(this.#read);
        this.#read = 0;
      }
      return { done: false, value: entry.task._result() };
    }
    if (this.#running.size === 0) return EMPTY;
    this.#waker = cx.waker;
    return PENDING;
  }

  /** @internal */
  _dropWaiter(): void {
    this.#waker = null;
  }

  /** @internal */
  _isLocalTo(rt: Runtime): boolean {
    for (const entry of this.#running) if (entry.task._findRuntime() !== rt) return false;
    return true;
  }
}

/** `yield* set.joinNext()`. */
class NextResult<T> extends FutureBase<IteratorResult<T, undefined>> {
  readonly #set: JoinSet<T>;
  constructor(set: JoinSet<T>) {
    super();
    this.#set = set;
  }
  poll(cx: Context): IteratorResult<T, undefined> | Pending {
    return this.#set._poll(cx);
  }
  cancel(): void {
    this.#set._dropWaiter();
  }
  isLocalTo(rt: Runtime): boolean {
    return this.#set._isLocalTo(rt);
  }
  override describe(): string {
    return `joinNext of a joinSet (${this.#set.size} tasks)`;
  }
}

/**
 * Makes an empty `JoinSet` owned by the current task: `set.spawn(body)` adds
 * tasks, `yield* set.joinNext()` takes them in completion order. A task's
 * failure is held for `joinNext` (it does not fail the owner at once). When
 * the owner's body ends, the tasks still running are cancelled and awaited; a
 * failure still held then is dropped, as Tokio drops a `JoinSet`'s results.
 *
 * Throws: if there is no current task.
 *
 * @example
 * function* after(ms: number): Coroutine<string> {
 *   yield* sleep(ms);
 *   return `${ms} ms`;
 * }
 * const set = joinSet<string>();
 * for (const ms of [30, 10, 20]) set.spawn(after(ms)); // a function defined once: the fast idiom
 * for (let r = yield* set.joinNext(); !r.done; r = yield* set.joinNext()) console.log(r.value);
 * // 10 ms, 20 ms, 30 ms: in completion order
 */
export function joinSet<T>(): JoinSet<T> {
  return new JoinSet<T>(requireTask("joinSet()"));
}
