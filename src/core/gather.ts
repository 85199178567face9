/**
 * The machinery under every combinator: start each item as a task, learn of
 * completions in the order they happen, and wind down (cancel what we own, wait
 * for its cleanup, collect every error) before returning.
 *
 * Items: a `Task` is joined, not owned (losing leaves it running); a body (a
 * coroutine or a function returning one) or a plain future becomes a child task
 * that we own. A gather joins all its tasks for as long as it exists: a child
 * that fails is reported here, never as an unjoined failure of the parent.
 */
import type { Body } from "./body.js";
import { toCoroutine } from "./body.js";
import { cur } from "./current.js";
import type { Context, Coroutine, Future, Pending, Waker } from "./future.js";
import { FutureBase, isFuture, PENDING } from "./future.js";
import type { Runtime } from "./runtime.js";
import { requireTask } from "./spawn.js";
import type { Joiner } from "./task.js";
import { Task } from "./task.js";

/** What a combinator accepts: a task to join, a future to wait on, or a body to run as a child. */
export type Item<T> = Task<T> | Future<T> | Body<T>;

/** The value type an item produces. */
export type ItemValue<I> =
  I extends Task<infer T> ? T : I extends Future<infer T> ? T : I extends Body<infer T> ? T : never;

function* awaitFuture<T>(future: Future<T>): Coroutine<T> {
  return yield* future;
}

class Entry implements Joiner {
  nextJoiner: Joiner | null = null;
  readonly #gather: Gather;
  readonly #index: number;
  constructor(gather: Gather, index: number) {
    this.#gather = gather;
    this.#index = index;
  }
  /** The joining task: so a failing child counts as joined by its parent. */
  get waker(): Waker {
    return this.#gather.owner;
  }
  joinerDone(): void {
    this.#gather._completed(this.#index);
  }
}

/** `yield* gather.next()`: the index of the next task to complete. */
class NextCompletion extends FutureBase<number> {
  readonly #gather: Gather;
  constructor(gather: Gather) {
    super();
    this.#gather = gather;
  }
  poll(cx: Context): number | Pending {
    return this.#gather._poll(cx);
  }
  cancel(): void {
    this.#gather._waker = null;
  }
  isLocalTo(rt: Runtime): boolean {
    return this.#gather.tasks.every((t) => t.isComplete || t._runtime === rt);
  }
  override describe(): string {
    return this.#gather.describe();
  }
}

export class Gather {
  readonly tasks: Task<unknown>[];
  readonly owner: Task<unknown>;
  /** @internal */
  _waker: Waker | null = null;
  readonly #label: string;
  readonly #owned: Uint8Array;
  /** Set for completions handed out by next() (the combinator has seen them). */
  readonly #consumed: Uint8Array;
  readonly #entries: (Entry | null)[];
  readonly #completed: number[] = [];
  #read = 0;
  readonly #next: NextCompletion;

  private constructor(
    owner: Task<unknown>,
    tasks: Task<unknown>[],
    owned: Uint8Array,
    label: string,
  ) {
    this.owner = owner;
    this.tasks = tasks;
    this.#owned = owned;
    this.#label = label;
    this.#consumed = new Uint8Array(tasks.length);
    this.#next = new NextCompletion(this);
    this.#entries = tasks.map((task, i) => {
      if (task.isComplete) {
        this.#completed.push(i);
        return null;
      }
      const entry = new Entry(this, i);
      task._addJoiner(entry);
      return entry;
    });
  }

  /** Starts every item (validating all of them before starting any). */
  static start(items: readonly Item<unknown>[], label: string, keys?: readonly string[]): Gather {
    const owner = requireTask(`${label}()`);
    if (!Array.isArray(items))
      throw new TypeError(`${label}(): expected an array of tasks, futures or bodies`);
    const prepared = items.map((item, i): Task<unknown> | Coroutine<unknown> => {
      if (item instanceof Task) return item;
      if (isFuture(item)) return awaitFuture(item);
      return toCoroutine(item as Body<unknown>, `${label}()[${keys?.[i] ?? i}]`);
    });
    const owned = new Uint8Array(items.length);
    const rt = cur.rt as Runtime;
    const tasks = prepared.map((p, i) => {
      if (p instanceof Task) return p;
      owned[i] = 1;
      return Task._spawn(p, owner, rt, { name: `${label}[${keys?.[i] ?? i}]` }, label);
    });
    return new Gather(owner, tasks, owned, label);
  }

  /** A future for the index of the next task to complete (each index once). */
  next(): Future<number> {
    return this.#next;
  }

  /** Whether the task at `i` was ours to cancel. */
  owns(i: number): boolean {
    return this.#owned[i] === 1;
  }

  /**
   * Winds down: cancels the owned tasks still running and waits for their
   * cleanup (shielded: a cancel of the caller waits for it too), stops joining
   * the others. Returns the errors nobody has seen: failures during cleanup,
   * and, with `unseenFailures`, failures that completed but were never
   * handed out by `next()`.
   */
  *stop(unseenFailures: boolean): Coroutine<unknown[]> {
    const tasks = this.tasks;
    const cancelled = new Uint8Array(tasks.length);
    let waiting = 0;
    tasks.forEach((task, i) => {
      if (this.#owned[i] === 1 && !task.isComplete) {
        cancelled[i] = 1;
        waiting++;
        task.cancel();
      }
    });
    if (waiting > 0) {
      this.owner._enterShield();
      try {
        while (waiting > 0) {
          const i = yield* this.#next;
          this.#consumed[i] = 0; // still unseen by the combinator
          if (cancelled[i] === 1) waiting--;
        }
      } finally {
        this.owner._exitShield();
      }
    }
    const errors: unknown[] = [];
    tasks.forEach((task, i) => {
      const entry = this.#entries[i];
      if (entry !== undefined && entry !== null && !task.isComplete) task._removeJoiner(entry);
      if (this.#consumed[i] === 1 || task.state !== "failed") return;
      if (cancelled[i] === 1 || unseenFailures) errors.push(errorOf(task));
    });
    return errors;
  }

  /** @internal */
  _completed(i: number): void {
    this.#entries[i] = null;
    this.#completed.push(i);
    const waker = this._waker;
    this._waker = null;
    waker?.wake();
  }

  /** @internal */
  _poll(cx: Context): number | Pending {
    if (this.#read < this.#completed.length) {
      const i = this.#completed[this.#read++] as number;
      this.#consumed[i] = 1;
      return i;
    }
    this._waker = cx.waker;
    return PENDING;
  }

  describe(): string {
    const open = this.tasks.filter((t) => !t.isComplete).map((t) => t.name);
    return `${this.#label} of ${open.join(", ") || "nothing"}`;
  }
}

/** The error a completed, unsuccessful task throws to joiners. */
export function errorOf(task: Task<unknown>): unknown {
  try {
    task._result();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Throws the one error, or an AggregateError of several. */
export function throwAll(errors: unknown[], what: string): never {
  if (errors.length === 1) throw errors[0];
  throw new AggregateError(errors, `${errors.length} errors in ${what}`);
}
