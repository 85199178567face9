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
import { cur } from "./current.js";
import type { Context, Coroutine, Future, Pending, Waker } from "./future.js";
import {
  describeFuture,
  FutureBase,
  isFuture,
  isLocalWait,
  PENDING,
  UNWIND,
  YIELD_NOW,
} from "./future.js";
import type { Joiner } from "./join.js";
import type { Runtime } from "./runtime.js";
import { requireTask } from "./spawn.js";
import { Task } from "./task.js";

/** What a combinator accepts: a task to join, a future to wait on, or a body to run as a child. */
export type Item<T> = Task<T> | Future<T> | Body<T>;

/** The value type an item produces. */
export type ItemValue<I> =
  I extends Task<infer T> ? T : I extends Future<infer T> ? T : I extends Body<infer T> ? T : never;

// An item's flags, one byte each. Item kinds, the low two bits: 0 for a joined task,
// OWNED for a body run as a child, POLLED for a future.
const OWNED = 1;
const POLLED = 2;
const KIND = 3;
// Outcomes of polled futures (bits 2-3; 0: still pending).
const OK = 1 << 2;
const FAILED = 2 << 2;
const DROPPED = 3 << 2;
const OUTCOME = 3 << 2;
/** Handed out by the gather's poll: the combinator has seen this completion. */
const CONSUMED = 1 << 4;
/** An owned task the wind-down cancelled: its failure is reported even if unseen. */
const CANCELLED = 1 << 5;

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

/**
 * The items of one combinator call, and the future of their completions:
 * `yield* gather` is the index of the next item to complete (each index once).
 * One object per call, so that a combinator costs one generator (`gathered`)
 * and this (see docs/internals.md, "Combinators and scopes").
 */
export class Gather extends FutureBase<number> {
  readonly owner: Task<unknown>;
  /** @internal */
  _waker: Waker | null = null;
  /** Free for the combinator's step (`all`'s results, `any`'s failures). */
  acc: unknown = undefined;
  /** Free for the combinator's step (how many completions it has taken). */
  count = 0;
  readonly #label: string;
  /** Per item: kind, outcome, CONSUMED, CANCELLED (the constants above). */
  readonly #flags: Uint8Array;
  /** Per item: its task (joined or owned), or null for a polled future. */
  readonly #tasks: (Task<unknown> | null)[];
  /** Polled futures still pending (null once complete or dropped); null if there are none. */
  readonly #futures: (Future<unknown> | null)[] | null;
  #pendingFutures = 0;
  /** For polled futures: their value (or error); null if there are none. */
  readonly #values: unknown[] | null;
  readonly #entries: (Entry | null)[];
  readonly #completed: number[] = [];
  #read = 0;
  /** Owned tasks cancelled by the wind-down and not yet completed. */
  #waiting = 0;

  private constructor(
    owner: Task<unknown>,
    flags: Uint8Array,
    tasks: (Task<unknown> | null)[],
    futures: (Future<unknown> | null)[] | null,
    pendingFutures: number,
    label: string,
  ) {
    super();
    const n = flags.length;
    this.owner = owner;
    this.#flags = flags;
    this.#tasks = tasks;
    this.#futures = futures;
    this.#pendingFutures = pendingFutures;
    this.#values = futures === null ? null : new Array(n);
    this.#label = label;
    const entries: (Entry | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const task = tasks[i] as Task<unknown> | null;
      if (task === null) {
        entries[i] = null;
      } else if (task.isComplete) {
        entries[i] = null;
        this.#completed.push(i);
      } else {
        const entry = new Entry(this, i);
        task._addJoiner(entry);
        entries[i] = entry;
      }
    }
    this.#entries = entries;
  }

  /** Starts every item (validating all of them before starting any). */
  static start(items: readonly Item<unknown>[], label: string, keys?: readonly string[]): Gather {
    const owner = requireTask(`${label}()`);
    if (!Array.isArray(items)) {
      throw new TypeError(`${label}(): expected an array of tasks, futures or bodies`);
    }
    const n = items.length;
    const flags = new Uint8Array(n);
    // Holds each owned item's coroutine until every item has been validated, then its task.
    const tasks: unknown[] = new Array(n);
    let futures: (Future<unknown> | null)[] | null = null;
    let pendingFutures = 0;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (item instanceof Task) {
        tasks[i] = item;
      } else if (isFuture(item)) {
        flags[i] = POLLED;
        tasks[i] = null;
        if (futures === null) futures = new Array(n).fill(null);
        futures[i] = item === YIELD_NOW ? new YieldOnce() : item;
        pendingFutures++;
      } else {
        flags[i] = OWNED;
        tasks[i] = toCoroutine(item as Body<unknown>, `${label}()[${keys?.[i] ?? i}]`);
      }
    }
    const rt = cur.rt as Runtime;
    for (let i = 0; i < n; i++) {
      if (flags[i] !== OWNED) continue;
      const name = `${label}[${keys?.[i] ?? i}]`;
      tasks[i] = Task._spawn(tasks[i] as Coroutine<unknown>, owner, rt, { name }, label);
    }
    return new Gather(
      owner,
      flags,
      tasks as (Task<unknown> | null)[],
      futures,
      pendingFutures,
      label,
    );
  }

  /** How many items it started. */
  get size(): number {
    return this.#flags.length;
  }

  /** Whether item `i` completed with a value (only after it was handed out). */
  ok(i: number): boolean {
    const task = this.#tasks[i];
    return task === null || task === undefined
      ? ((this.#flags[i] as number) & OUTCOME) === OK
      : task.state === "done";
  }

  /** The value of item `i`, which completed with one. */
  value(i: number): unknown {
    const task = this.#tasks[i];
    return task === null || task === undefined ? this.#values?.[i] : task._result();
  }

  /** The error of item `i`, which failed (or, for a task, was cancelled). */
  error(i: number): unknown {
    const task = this.#tasks[i];
    return task === null || task === undefined ? this.#values?.[i] : errorOf(task);
  }

  /** The outcome of item `i`, which completed: its value, or throws its error. */
  take(i: number): unknown {
    const task = this.#tasks[i];
    if (task !== null && task !== undefined) return task._result(); // throws the error
    if (((this.#flags[i] as number) & OUTCOME) === OK) return this.#values?.[i];
    throw this.#values?.[i];
  }

  /**
   * @internal The first half of the wind-down (the combinator's decision is
   * made, or it was cancelled): drops the polled futures still pending and
   * cancels the owned tasks still running. True if any was cancelled: then
   * `_awaitCancelled()` waits for their cleanup.
   */
  _stop(): boolean {
    const flags = this.#flags;
    const n = flags.length;
    this._waker = null;
    const futures = this.#futures;
    if (futures !== null && this.#pendingFutures > 0) {
      for (let i = 0; i < n; i++) {
        const future = futures[i];
        if (future === null || future === undefined) continue;
        futures[i] = null;
        flags[i] = ((flags[i] as number) & ~OUTCOME) | DROPPED;
        this.#pendingFutures--;
        future.cancel?.();
      }
    }
    const tasks = this.#tasks;
    let waiting = 0;
    for (let i = 0; i < n; i++) {
      const task = tasks[i];
      if (((flags[i] as number) & KIND) === OWNED && task && !task.isComplete) {
        flags[i] = (flags[i] as number) | CANCELLED;
        waiting++;
        task.cancel();
      }
    }
    this.#waiting = waiting;
    return waiting > 0;
  }

  /** @internal Waits until every task `_stop()` cancelled has completed (the caller shields it). */
  *_awaitCancelled(): Coroutine<void> {
    const flags = this.#flags;
    while (this.#waiting > 0) {
      const i = yield* this;
      flags[i] = (flags[i] as number) & ~CONSUMED; // still unseen by the combinator
      if ((flags[i] as number) & CANCELLED) this.#waiting--;
    }
  }

  /**
   * @internal The second half of the wind-down: stops joining the tasks still
   * running (joined, not owned) and returns the errors nobody has seen, or
   * null: failures of the cancelled tasks' cleanup, and, with
   * `unseenFailures`, failures that completed but were never handed out.
   */
  _unseenErrors(unseenFailures: boolean): unknown[] | null {
    const tasks = this.#tasks;
    const flags = this.#flags;
    let errors: unknown[] | null = null;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i];
      if (task === null || task === undefined) continue;
      const entry = this.#entries[i];
      if (entry !== undefined && entry !== null && !task.isComplete) task._removeJoiner(entry);
      const f = flags[i] as number;
      if (f & CONSUMED || task.state !== "failed") continue;
      if (f & CANCELLED || unseenFailures) {
        if (errors === null) errors = [];
        errors.push(errorOf(task));
      }
    }
    return errors;
  }

  /** @internal A joined or owned task completed. */
  _completed(i: number): void {
    this.#entries[i] = null;
    this.#completed.push(i);
    const waker = this._waker;
    this._waker = null;
    waker?.wake();
  }

  /** The index of the next item to complete; `yield* gather` waits for it. */
  poll(cx: Context): number | Pending {
    if (this.#read < this.#completed.length) {
      const i = this.#completed[this.#read++] as number;
      this.#flags[i] = (this.#flags[i] as number) | CONSUMED;
      return i;
    }
    const futures = this.#futures;
    if (futures !== null && this.#pendingFutures > 0) {
      // Poll the pending futures in order; the first to complete is handed out
      // at once, so no later one is polled to completion (and loses nothing).
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
        this.#flags[i] = (this.#flags[i] as number) | outcome | CONSUMED;
        (this.#values as unknown[])[i] = value;
        return i;
      }
    }
    this._waker = cx.waker;
    return PENDING;
  }

  /** The wait was dropped: the polled futures stay as they are (the wind-down drops them). */
  cancel(): void {
    this._waker = null;
  }

  /** True if only tasks of `rt` could complete what this waits on (deadlock detection). */
  isLocalTo(rt: Runtime): boolean {
    for (let i = 0; i < this.#tasks.length; i++) {
      const task = this.#tasks[i];
      if (task !== null && task !== undefined) {
        if (!task.isComplete && task._findRuntime() !== rt) return false;
        continue;
      }
      const future = this.#futures?.[i] ?? null;
      if (future !== null && !isLocalWait(future, rt)) return false;
    }
    return true;
  }

  override describe(): string {
    const open: string[] = [];
    for (let i = 0; i < this.#tasks.length; i++) {
      const task = this.#tasks[i];
      if (task !== null && task !== undefined) {
        if (!task.isComplete) open.push(task.name);
      } else {
        const future = this.#futures?.[i] ?? null;
        if (future !== null) open.push(describeFuture(future));
      }
    }
    // One task (a taskGroup's body): "join taskGroup[0]", not "taskGroup of taskGroup[0]".
    if (this.#tasks.length === 1 && this.#tasks[0] && open.length === 1) return `join ${open[0]}`;
    return `${this.#label} of ${open.join(", ") || "nothing"}`;
  }
}

/** What a combinator's step returns to go on waiting for the next completion. */
export const MORE: unique symbol = Symbol("corio.more");

/**
 * A combinator's decision, made one completion at a time: called with the
 * index of each item as it completes (and once with -1 before any, for the
 * empty case), it returns `MORE` to wait for the next, or the combinator's
 * value, or throws its error. A plain function, not a generator: the wait
 * itself is `gathered`'s, so a call of a combinator makes one generator.
 */
export type Step<A> = (gather: Gather, i: number, arg: A) => unknown;

const EXIT_CANCELLED = 0;
const EXIT_RETURNED = 1;
const EXIT_THREW = 2;

/**
 * Runs a combinator: starts `items` (at the first step, not at the call), feeds
 * their completions to `step(gather, i, arg)` until it decides, and, however it
 * ended (decided, threw, or the caller was cancelled), winds the gather down
 * before returning the value or throwing: drops the polled futures still
 * pending, cancels the owned tasks still running and waits for their cleanup
 * (shielded: a cancel of the caller waits for it too), stops joining the
 * others. Then throws every error nobody has seen, the step's own first
 * (AggregateError when there are several): failures during that cleanup, and,
 * with `unseenFailures`, failures that completed but `step` never took (`all`,
 * `race`: yes; `allSettled`, `any`: they were seen or do not matter). If there
 * is none, the step's ending stands.
 *
 * It is `withCleanup` (cleanup.ts) written out in one frame, as `runScope` is:
 * the wait for the cancelled tasks is the only part that may suspend, and only
 * it is shielded; a cancellation of the task goes on unwinding (UNWIND) after it.
 *
 * @internal
 */
export function* gathered<A>(
  items: readonly Item<unknown>[],
  label: string,
  unseenFailures: boolean,
  step: Step<A>,
  arg: A,
  keys?: readonly string[],
): Coroutine<unknown> {
  const gather = Gather.start(items, label, keys);
  // Stays EXIT_CANCELLED only if the `finally` is entered by the task's cancellation unwinding.
  let exit = EXIT_CANCELLED;
  let value: unknown;
  let error: unknown;
  try {
    value = step(gather, -1, arg);
    while (value === MORE) value = step(gather, yield* gather, arg);
    exit = EXIT_RETURNED;
  } catch (e) {
    exit = EXIT_THREW;
    error = e;
  } finally {
    if (gather._stop()) {
      const task = gather.owner;
      task._enterShield();
      try {
        yield* gather._awaitCancelled();
      } finally {
        task._exitShield();
      }
    }
    const errors = gather._unseenErrors(unseenFailures);
    if (errors !== null) {
      if (exit === EXIT_THREW) errors.unshift(error);
      throwAll(errors, `${label}()`);
    }
    if (exit === EXIT_CANCELLED) yield* UNWIND;
  }
  if (exit === EXIT_THREW) throw error;
  return value;
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
