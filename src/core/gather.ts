/**
 * The machinery under every combinator: start the items, learn of their
 * completions in the order they happen, and wind down (drop what is still
 * pending, cancel what we own and wait for its cleanup, collect every error)
 * before returning.
 *
 * Items come in three kinds:
 * - a `Task` is joined, not owned: losing drops the join and leaves it running;
 * - a body (a coroutine or a function returning one) becomes a child task that
 *   we own: losing cancels it and waits for its cleanup;
 * - a plain future is polled directly by the combinator's own task, never in a
 *   task of its own, so that values change hands only in the poll that
 *   completes it: when `select` picks one ready `recv`, the others were never
 *   polled to completion and took nothing (losing drops them with `cancel()`).
 *   Polled futures are tried in order, so the first ready one wins (as Tokio's
 *   `select!` with `biased;`).
 *
 * A gather joins all its tasks for as long as it exists: a child that fails is
 * reported here, never as an unjoined failure of the parent.
 */
import type { Body } from "./body.js";
import { toCoroutine } from "./body.js";
import { type Exit, withCleanup } from "./cleanup.js";
import { cur } from "./current.js";
import type { Context, Coroutine, Future, Pending, Waker } from "./future.js";
import { describeFuture, FutureBase, isFuture, isLocalWait, PENDING, YIELD_NOW } from "./future.js";
import type { Joiner } from "./join.js";
import type { Runtime } from "./runtime.js";
import { requireTask } from "./spawn.js";
import { Task } from "./task.js";

/** What a combinator accepts: a task to join, a future to wait on, or a body to run as a child. */
export type Item<T> = Task<T> | Future<T> | Body<T>;

/** The value type an item produces. */
export type ItemValue<I> =
  I extends Task<infer T> ? T : I extends Future<infer T> ? T : I extends Body<infer T> ? T : never;

// Item kinds.
const JOINED = 0;
const OWNED = 1;
const POLLED = 2;

// Outcomes of polled futures (0: still pending).
const OK = 1;
const FAILED = 2;
const DROPPED = 3;

/** `yieldNow()` / `sleep(0)` as a polled item: pending once, then ready. */
class YieldOnce extends FutureBase<void> {
  #polled = false;
  poll(cx: Context): undefined | Pending {
    if (this.#polled) return undefined;
    this.#polled = true;
    cx.waker.wake();
    return PENDING;
  }
  override describe(): string {
    return "yieldNow";
  }
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

/** `yield* gather.next()`: the index of the next item to complete. */
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
    // The polled futures stay as they are: the combinator's cleanup (windDown)
    // drops them; a task entry stays registered (we join for as long as we run).
    this.#gather._waker = null;
  }
  isLocalTo(rt: Runtime): boolean {
    return this.#gather._isLocalTo(rt);
  }
  override describe(): string {
    return this.#gather.describe();
  }
}

export class Gather {
  readonly owner: Task<unknown>;
  /** @internal */
  _waker: Waker | null = null;
  readonly #label: string;
  readonly #kind: Uint8Array;
  readonly #tasks: (Task<unknown> | null)[];
  /** Polled futures still pending (null once complete or dropped). */
  readonly #futures: (Future<unknown> | null)[];
  #pendingFutures = 0;
  /** For polled futures: their outcome and value (or error). */
  readonly #outcome: Uint8Array;
  readonly #values: unknown[];
  /** Set for completions handed out by next() (the combinator has seen them). */
  readonly #consumed: Uint8Array;
  readonly #entries: (Entry | null)[];
  readonly #completed: number[] = [];
  #read = 0;
  readonly #next: NextCompletion;

  private constructor(
    owner: Task<unknown>,
    kind: Uint8Array,
    tasks: (Task<unknown> | null)[],
    futures: (Future<unknown> | null)[],
    label: string,
  ) {
    const n = kind.length;
    this.owner = owner;
    this.#kind = kind;
    this.#tasks = tasks;
    this.#futures = futures;
    this.#label = label;
    this.#outcome = new Uint8Array(n);
    this.#values = new Array(n);
    this.#consumed = new Uint8Array(n);
    this.#next = new NextCompletion(this);
    this.#entries = tasks.map((task, i) => {
      if (task === null) {
        this.#pendingFutures++;
        return null;
      }
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
    if (!Array.isArray(items)) {
      throw new TypeError(`${label}(): expected an array of tasks, futures or bodies`);
    }
    const n = items.length;
    const kind = new Uint8Array(n);
    const futures: (Future<unknown> | null)[] = new Array(n).fill(null);
    const bodies = items.map((item, i): Coroutine<unknown> | null => {
      if (item instanceof Task) return null;
      if (isFuture(item)) {
        kind[i] = POLLED;
        futures[i] = item === YIELD_NOW ? new YieldOnce() : item;
        return null;
      }
      kind[i] = OWNED;
      return toCoroutine(item as Body<unknown>, `${label}()[${keys?.[i] ?? i}]`);
    });
    const rt = cur.rt as Runtime;
    const tasks = items.map((item, i): Task<unknown> | null => {
      if (kind[i] === POLLED) return null;
      if (kind[i] === JOINED) return item as Task<unknown>;
      const name = `${label}[${keys?.[i] ?? i}]`;
      return Task._spawn(bodies[i] as Coroutine<unknown>, owner, rt, { name }, label);
    });
    return new Gather(owner, kind, tasks, futures, label);
  }

  /** How many items it started. */
  get size(): number {
    return this.#kind.length;
  }

  /** A future for the index of the next item to complete (each index once). */
  next(): Future<number> {
    return this.#next;
  }

  /** Whether item `i` completed with a value (only after next() handed it out). */
  ok(i: number): boolean {
    const task = this.#tasks[i];
    return task === null || task === undefined ? this.#outcome[i] === OK : task.state === "done";
  }

  /** The value of item `i`, which completed with one. */
  value(i: number): unknown {
    const task = this.#tasks[i];
    return task === null || task === undefined ? this.#values[i] : task._result();
  }

  /** The error of item `i`, which failed (or, for a task, was cancelled). */
  error(i: number): unknown {
    const task = this.#tasks[i];
    return task === null || task === undefined ? this.#values[i] : errorOf(task);
  }

  /** The outcome of item `i`, which completed: its value, or throws its error. */
  take(i: number): unknown {
    if (this.ok(i)) return this.value(i);
    throw this.error(i);
  }

  /**
   * Winds down after the combinator's body ended as `exit` (the cleanup that
   * `gathered` gives `withCleanup`, which shields it: a cancel of the caller
   * waits for it too): drops the polled futures still pending, cancels the
   * owned tasks still running and waits for their cleanup, stops joining the
   * others. Then throws every error nobody has seen, the body's own first
   * (AggregateError when there are several): failures during that cleanup,
   * and, with `unseenFailures`, failures that completed but were never handed
   * out by `next()`. If there is none, the body's ending stands.
   */
  *windDown(exit: Exit<unknown>, unseenFailures: boolean): Coroutine<void> {
    const tasks = this.#tasks;
    const n = tasks.length;
    this._waker = null;
    for (let i = 0; i < n; i++) {
      const future = this.#futures[i];
      if (future === null || future === undefined) continue;
      this.#futures[i] = null;
      this.#outcome[i] = DROPPED;
      this.#pendingFutures--;
      future.cancel?.();
    }
    const cancelled = new Uint8Array(n);
    let waiting = 0;
    for (let i = 0; i < n; i++) {
      const task = tasks[i];
      if (this.#kind[i] === OWNED && task !== null && task !== undefined && !task.isComplete) {
        cancelled[i] = 1;
        waiting++;
        task.cancel();
      }
    }
    while (waiting > 0) {
      const i = yield* this.#next;
      this.#consumed[i] = 0; // still unseen by the combinator
      if (cancelled[i] === 1) waiting--;
    }
    const errors: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const task = tasks[i];
      if (task === null || task === undefined) continue;
      const entry = this.#entries[i];
      if (entry !== undefined && entry !== null && !task.isComplete) task._removeJoiner(entry);
      if (this.#consumed[i] === 1 || task.state !== "failed") continue;
      if (cancelled[i] === 1 || unseenFailures) errors.push(errorOf(task));
    }
    if (errors.length === 0) return;
    if (exit.kind === "threw") errors.unshift(exit.error);
    throwAll(errors, `${this.#label}()`);
  }

  /** @internal A joined or owned task completed. */
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
    if (this.#pendingFutures > 0) {
      // Poll the pending futures in order; the first to complete is handed out
      // at once, so no later one is polled to completion (and loses nothing).
      const futures = this.#futures;
      for (let i = 0; i < futures.length; i++) {
        const future = futures[i];
        if (future === null || future === undefined) continue;
        let value: unknown;
        let outcome = OK;
        try {
          value = future.poll(cx);
        } catch (error) {
          value = error;
          outcome = FAILED;
        }
        if (outcome === OK && value === PENDING) continue;
        futures[i] = null;
        this.#pendingFutures--;
        this.#outcome[i] = outcome;
        this.#values[i] = value;
        this.#consumed[i] = 1;
        return i;
      }
    }
    this._waker = cx.waker;
    return PENDING;
  }

  /** @internal True if only tasks of `rt` could complete what this waits on (deadlock detection). */
  _isLocalTo(rt: Runtime): boolean {
    for (let i = 0; i < this.#tasks.length; i++) {
      const task = this.#tasks[i];
      if (task !== null && task !== undefined) {
        if (!task.isComplete && task._findRuntime() !== rt) return false;
        continue;
      }
      const future = this.#futures[i];
      if (future !== null && future !== undefined && !isLocalWait(future, rt)) return false;
    }
    return true;
  }

  describe(): string {
    const open: string[] = [];
    for (let i = 0; i < this.#tasks.length; i++) {
      const task = this.#tasks[i];
      if (task !== null && task !== undefined) {
        if (!task.isComplete) open.push(task.name);
      } else {
        const future = this.#futures[i];
        if (future !== null && future !== undefined) open.push(describeFuture(future));
      }
    }
    // One task (a taskGroup's body): "join taskGroup[0]", not "taskGroup of taskGroup[0]".
    if (this.#tasks.length === 1 && this.#tasks[0] && open.length === 1) return `join ${open[0]}`;
    return `${this.#label} of ${open.join(", ") || "nothing"}`;
  }
}

/**
 * Runs a combinator: starts `items` (at the first step, not at the call), runs
 * `decide(gather, arg)` over their completions, and, however `decide` ended
 * (returned, threw, or the caller was cancelled), winds the gather down before
 * returning its value or throwing (see `Gather.windDown`). `unseenFailures`:
 * whether failures that completed but `decide` never took are thrown too
 * (`all`, `race`: yes; `allSettled`, `any`: they were seen or do not matter).
 *
 * Write `decide` as a generator function at module level and pass what it
 * needs as `arg`: a generator closure made on every call runs several times
 * slower in V8 (measured: `all` of ten bodies 1.3–1.7× slower that way).
 *
 * @internal
 */
export function* gathered<R, A>(
  items: readonly Item<unknown>[],
  label: string,
  unseenFailures: boolean,
  decide: (gather: Gather, arg: A) => Coroutine<R>,
  arg: A,
  keys?: readonly string[],
): Coroutine<R> {
  const gather = Gather.start(items, label, keys);
  return yield* withCleanup(decide(gather, arg), (exit) => gather.windDown(exit, unseenFailures));
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
