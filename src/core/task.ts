/**
 * Tasks: a coroutine the executor drives, with its place in the task tree.
 *
 * The model
 * ---------
 * A Task owns one coroutine (a generator). The executor calls `_step()`, which
 * resumes the coroutine and polls each future it yields: while futures are
 * ready the coroutine is resumed again at once (no trip through the queue),
 * until a future is pending (the task parks), the coroutine yields `yieldNow`
 * or spends its cooperative budget (the task goes to the back of the ready
 * queue), or the body ends.
 *
 * Run states (the low 3 bits of `#state`):
 *
 *   SCHEDULED ──step──▶ RUNNING ──pending──▶ WAITING ──wake──▶ SCHEDULED
 *                          │ yieldNow / budget ──▶ SCHEDULED
 *                          └─ body ended ─┬─ no children ──────────▶ DONE | FAILED | CANCELLED
 *                                         └─ children ─▶ CLOSING ─(last child done)─▶ SCHEDULED+F_FINISH ─▶ ...
 *
 * Flags above them: F_CANCEL (a cancel was requested), F_CANCELLING (the
 * generator's `return()` was issued: cleanup is running and further cancels are
 * ignored), F_NOTIFIED (woken while RUNNING: do not park, go back on the
 * queue), F_FINISH (a CLOSING task whose children are all done, queued to
 * complete). Bits 8 and up count `shield()` depth; a cancel takes effect only
 * at depth 0.
 *
 * Who may change what: `#state`, `#fut` and `#gen` change only in this class:
 * in `_step` (on the executor), in `wake()` and `cancel()` (from anywhere:
 * other tasks, I/O callbacks, plain async code), and in completion. `#fut` is
 * the pending future while the body runs and the result (value, error or
 * CancelledError) once the task is complete.
 *
 * Memory: an idle task is this object (8 fields), its generator and the future
 * it waits on. Everything rare (name, id, children, cancel reason, abort
 * signal, promise, task-locals) lives in `TaskExtras`, allocated on first use;
 * the runtime is found through the root (`_findRuntime()`), not stored per task.
 * The class has `#private` fields but no `#private` methods: V8 gives every
 * instance of a class with private methods a hidden brand field (8 bytes), so
 * the kernel's helpers are `_methods` marked `@internal` instead.
 *
 * The parts, as Tokio splits `runtime/task/`: this file is the task itself
 * (its states, the step, cancellation, completion and its place in the tree);
 * joiners (`yield* task`, `await task`) are in join.ts, the observability
 * hooks it calls in instrument.ts, the bad-`yield` diagnosis in body.ts.
 *
 * Why this file is over 600 lines: it is one class whose state lives in
 * `#private` fields (a state word, the future, the generator, the sibling
 * links) that only code inside the class body can touch, and the hot path
 * (`_step`, `wake`, `_complete`) reads them directly; moving a part out would
 * mean accessor calls on that path or public fields. About half the lines are
 * the public getters' documentation and the one-line `@internal` accessors
 * the rest of the kernel uses.
 */
import type { Body } from "./body.js";
import { badYield, genNext, genReturn, genThrow, toCoroutine, typeName } from "./body.js";
import { cur } from "./current.js";
import { CancelledError } from "./errors.js";
import type { Context, Coroutine, Future, Pending, Suspend, Waker } from "./future.js";
import {
  CANCEL_TOKEN,
  describeFuture,
  FutureBase,
  handoff,
  PENDING,
  POLL_THREW,
  REPOLL,
  RESUME,
  STILL_PENDING,
  UNWIND,
  YIELD_NOW,
  YIELDED,
} from "./future.js";
import { trackSite } from "./instrument.js";
import type { Joiner } from "./join.js";
import { JoinFuture, PromiseJoiner, settle } from "./join.js";
import type { Runtime } from "./runtime.js";

/** A task's lifecycle, as `task.state` reports it. */
export type TaskState =
  | "scheduled"
  | "running"
  | "waiting"
  | "cancelling"
  | "done"
  | "failed"
  | "cancelled";

/** Options for `spawn`. */
export interface SpawnOptions {
  /** A name for listings, traces and errors. @default "task#<id>" */
  name?: string;
}

const SCHEDULED = 0;
const RUNNING = 1;
const WAITING = 2;
const CLOSING = 3;
const DONE = 4;
const FAILED = 5;
const CANCELLED = 6;
const STATE = 7;

const F_CANCEL = 1 << 3;
const F_CANCELLING = 1 << 4;
const F_NOTIFIED = 1 << 5;
const F_FINISH = 1 << 6;
/** A cancel scope asks for the current wait to be interrupted (scope.ts; details in TaskExtras.scope). */
const F_INTERRUPT = 1 << 7;
const SHIELD = 1 << 8;
/**
 * On a CANCELLED task: `#fut` holds the CancelledError (made lazily), not the
 * reason. It reuses F_CANCEL's bit: it is only ever set on a complete task.
 */
const F_ERROR_MADE = 1 << 3;

// The shared result of joining a completed task (read at once by `yield*`).
const JOINED: { done: true; value: unknown } = { done: true, value: undefined };

// A sentinel result: "the task parked while resuming; nothing to drive".
const PARKED = { done: false, value: undefined } as unknown as IteratorResult<Suspend, never>;

/** What resuming a task's generator returns. */
type Step<T> = IteratorResult<Suspend, T>;

/** Ready futures a task may consume in one step before it must let others run (Tokio's coop budget). */
export const BUDGET = 128;

let nextId = 0;
/**
 * Where task ids come from: this thread's counter, until the process has
 * worker runtimes (`spawnWorker`); from then on one counter in shared memory
 * for every thread, so an id names one task in the whole process (one task
 * tree across threads in `corio ps` and traces).
 */
let takeId = (): number => ++nextId;

/**
 * @internal Makes task ids come from `shared` (a worker thread gets its
 * parent's), or shares this thread's counter; returns the shared counter.
 */
export function _shareTaskIds(shared?: SharedArrayBuffer): SharedArrayBuffer {
  const buffer = shared ?? new SharedArrayBuffer(8);
  const counter = new BigInt64Array(buffer);
  if (shared === undefined) counter[0] = BigInt(nextId);
  takeId = () => Number(Atomics.add(counter, 0, 1n)) + 1;
  return buffer;
}

// Sibling-list operations; defined in Task's static block, which can reach the
// private links of any task.
let link: (task: Task<unknown>, list: Siblings) => void;
let unlink: (task: Task<unknown>, list: Siblings) => void;

/** @internal A doubly-linked list of tasks through their sibling links. */
export interface Siblings {
  first: Task<unknown> | null;
  last: Task<unknown> | null;
}

/** Namers of unnamed children, by parent (`Task._nameChildren`); read only when a name is. */
const childNamers = new WeakMap<Task<unknown>, (child: Task<unknown>) => string | undefined>();

/** The rarely used parts of a task, allocated on first use. */
class TaskExtras implements Siblings {
  id = 0;
  name: string | undefined = undefined;
  /** Set on roots only: the runtime the task tree belongs to. */
  rt: Runtime | null = null;
  first: Task<unknown> | null = null;
  last: Task<unknown> | null = null;
  /** Woken when the last child completes (taskGroup waiting for its children). */
  childWaiter: Waker | null = null;
  /**
   * Children that are resources holding a value for this task (waiting in
   * `provide` until its body ends): a children-wait does not wait for them.
   * Invariant: counts children only; while non-zero, every child's end wakes `childWaiter`.
   */
  heldResources = 0;
  reason: unknown = undefined;
  /** Errors this task will fail with: unjoined children's failures. */
  errors: unknown[] | null = null;
  abort: AbortController | null = null;
  promise: Promise<unknown> | null = null;
  locals: Map<unknown, unknown> | null = null;
  /** While CLOSING: how the body ended. */
  outcomeKind = DONE;
  outcome: unknown = undefined;
  /** Who waits for this task to complete (a linked list through `nextJoiner`). */
  joiners: Joiner | null = null;
  /** Free for the observability layer (spawn site, poll counts, ...). */
  meta: unknown = undefined;
  /**
   * The innermost cancel scope the task runs in (scope.ts): one of its own, or
   * the scope its parent spawned it in (so deadlines are inherited).
   */
  scope: ScopeLike | null = null;
}

/** @internal What the task needs of a cancel scope (scope.ts implements it). */
export interface ScopeLike {
  /** A task spawned while this scope is the parent's innermost. */
  adopt(task: Task<unknown>): void;
  /** F_INTERRUPT is set: may the interruption be delivered now? Then returns the error to throw. */
  interruption(task: Task<unknown>, take?: boolean): unknown;
}

const NOT_DUE: unique symbol = Symbol("corio.notDue");

export { NOT_DUE as _NOT_DUE };

// Local copies of the sentinels the executor's step, poll and join compare against (future.ts
// says why).
const PENDING_LOCAL: Pending = PENDING;
const RESUME_LOCAL: typeof RESUME = RESUME;
const YIELDED_LOCAL = YIELDED;
const YIELD_NOW_LOCAL = YIELD_NOW;
const UNWIND_LOCAL = UNWIND;
const REPOLL_LOCAL: typeof REPOLL = REPOLL;
const STILL_PENDING_LOCAL = STILL_PENDING as unknown as IteratorResult<Suspend, never>;
const POLL_THREW_LOCAL = POLL_THREW as unknown as IteratorResult<Suspend, never>;

/**
 * A coroutine driven by the executor. Join it with `yield* task` (or `await task`
 * from plain async code); stop it with `task.cancel()`.
 */
export class Task<T = unknown> implements PromiseLike<T> {
  #gen: Coroutine<T> | null;
  #state = SCHEDULED;
  #parent: Task<unknown> | null;
  #fut: unknown = null;
  /**
   * The rare parts: null, the head of the joiner list (a task joined but with
   * nothing else rare about it), or TaskExtras (which then holds the joiners).
   * One field for both keeps an idle task at eight fields.
   */
  #x: TaskExtras | Joiner | null = null;
  #prev: Task<unknown> | null = null;
  #next: Task<unknown> | null = null;

  /** @internal Use `spawn()` or `runtime.spawn()`. */
  constructor(gen: Coroutine<T>, parent: Task<unknown> | null) {
    this.#gen = gen;
    this.#parent = parent;
  }

  /** A process-wide unique number, in order of first use. */
  get id(): number {
    const x = this._extras();
    if (x.id === 0) x.id = takeId();
    return x.id;
  }

  /** The name given at spawn (or by its parent's namer, see `_nameChildren`), or `task#<id>`. */
  get name(): string {
    const given = this._ex()?.name;
    if (given !== undefined) return given;
    const parent = this.#parent;
    const namer = parent === null ? undefined : childNamers.get(parent);
    return namer?.(this) ?? `task#${this.id}`;
  }

  /**
   * @internal Names `parent`'s children that were spawned without a name, when
   * a name is read (listings, errors): `serve` names each request's task
   * "GET /path" from its request, where a name given at spawn would cost a
   * string and the task's extras on every request.
   */
  static _nameChildren(
    parent: Task<unknown>,
    namer: (child: Task<unknown>) => string | undefined,
  ): void {
    childNamers.set(parent, namer);
  }

  /** The task that spawned this one; `null` for a root. */
  get parent(): Task<unknown> | null {
    return this.#parent;
  }

  get state(): TaskState {
    const s = this.#state;
    switch (s & STATE) {
      case DONE:
        return "done";
      case FAILED:
        return "failed";
      case CANCELLED:
        return "cancelled";
      case CLOSING:
        return "waiting";
    }
    if (s & (F_CANCEL | F_CANCELLING) && !(s & F_FINISH)) return "cancelling";
    return (s & STATE) === RUNNING ? "running" : (s & STATE) === WAITING ? "waiting" : "scheduled";
  }

  /**
   * What the task is waiting on, as a readable description ("sleep 250 ms",
   * "recv on channel#3", "join task#7", "read tcp 127.0.0.1:5000", "its
   * children to finish"), or `null` while it is scheduled, running or complete.
   * The same text as `waitingOn` in `runtime.tasks()`.
   *
   * @example
   * console.log(`${task.name}: ${task.state} on ${task.waitingOn ?? "-"}`);
   */
  get waitingOn(): string | null {
    if ((this.#state & STATE) === CLOSING) return "its children to finish";
    const f = this._waitingOn;
    const state = this.state;
    if (f === null || state === "scheduled" || state === "running") return null;
    // Descriptions read the clock of the task's own runtime (a timer's time left).
    const outer = cur.rt;
    cur.rt = this._findRuntime();
    try {
      return describeFuture(f);
    } finally {
      cur.rt = outer;
    }
  }

  /** True once the task has completed (done, failed or cancelled). */
  get isComplete(): boolean {
    return (this.#state & STATE) >= DONE;
  }

  /**
   * Aborted when the task is cancelled, with a `CancelledError` as its reason:
   * hand it to Promise APIs (`fetch`, `setTimeout` from `timers/promises`, ...).
   */
  get signal(): AbortSignal {
    const x = this._extras();
    if (x.abort === null) {
      x.abort = new AbortController();
      if (this.#state & F_CANCEL || (this.#state & STATE) === CANCELLED) {
        x.abort.abort(new CancelledError(x.reason));
      }
    }
    return x.abort.signal;
  }

  /**
   * Cancels the task at its current suspension (or, if it is running, at its
   * next `yield*`): the pending future is dropped, then the generator's
   * `return()` runs every `finally`. Cleanup may itself `yield*`, and is not
   * interrupted by a second cancel. A task cancelled before its first step runs
   * no code at all. Cancelling a finished task does nothing.
   *
   * @example
   * const t = spawn(worker);
   * t.cancel("no longer needed");
   * try {
   *   yield* t;
   * } catch (e) {
   *   if (!(e instanceof CancelledError)) throw e;
   *   console.log(e.reason); // "no longer needed"
   * }
   */
  cancel(reason?: unknown): void {
    const s = this.#state;
    if (s & F_CANCEL || this.#gen === null) return;
    this.#state = s | F_CANCEL;
    const x = this._ex();
    if (reason !== undefined || (x !== null && x.abort !== null)) {
      const ex = this._extras();
      ex.reason = reason;
      ex.abort?.abort(new CancelledError(reason));
    }
    if (s >= SHIELD) return; // takes effect when the shield ends
    if ((s & STATE) === WAITING) {
      this.#state = ((s | F_CANCEL) & ~STATE) | SCHEDULED;
      this._findRuntime()._schedule(this);
    }
    // SCHEDULED: its next step acts on it. RUNNING: its next yield* does.
  }

  /** Joins the task: `const v = yield* task`. */
  [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    // A completed task answers the join itself (no allocation); see `next`.
    return this.isComplete
      ? (this as unknown as Iterator<Suspend, T, unknown>)
      : trackSite(new JoinFuture(this));
  }

  /**
   * @internal The iterator side of joining a completed task. The result is
   * there already, so `yield*` gets it at once with no trip through the
   * executor, unless the joining task has a cancel to act on (a cancel takes
   * effect at the next `yield*`, even on a ready future): then it goes through
   * the executor like any future (the hand-off protocol of `FutureBase`).
   */
  next(token?: unknown): IteratorResult<Suspend, T> {
    const joiner = cur.task;
    if (token !== RESUME_LOCAL && (joiner === null || (joiner.#state & F_CANCEL) === 0)) {
      const done = JOINED as IteratorReturnResult<T>;
      done.value = this._result();
      return done;
    }
    return FutureBase.prototype.next.call(this, token) as IteratorResult<Suspend, T>;
  }

  /** @internal */
  throw(error?: unknown): never {
    throw error;
  }

  /**
   * As a low-level future: ready with the task's result once it completes.
   * Polling registers `cx.waker` until completion; there is no drop (use
   * `yield* task`, which can be abandoned without side effects).
   */
  poll(cx: Context): T | Pending {
    if (this.isComplete) return this._result();
    for (let j = this._joinersHead(); j !== null; j = j.nextJoiner)
      if (j.waker === cx.waker) return PENDING;
    this._addJoiner(new JoinFuture(this, cx.waker));
    return PENDING;
  }

  /** Lets plain async code `await task`. */
  // biome-ignore lint/suspicious/noThenProperty: a Task is deliberately PromiseLike.
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const x = this._extras();
    if (x.promise === null) {
      x.promise = new Promise<T>((resolve, reject) => {
        if (this.isComplete) settle(this, resolve, reject);
        else this._addJoiner(new PromiseJoiner(this, resolve, reject));
      });
    }
    return (x.promise as Promise<T>).then(onFulfilled, onRejected);
  }

  toString(): string {
    return `Task(${this.name}, ${this.state})`;
  }

  // ---------------------------------------------------------------- waking

  /**
   * @internal The task is its own waker (one per task, never reallocated):
   * put it back on the ready queue if it is parked.
   */
  wake(): void {
    const s = this.#state;
    const st = s & STATE;
    if (st === WAITING) {
      this.#state = (s & ~STATE) | SCHEDULED;
      const rt = this._findRuntime();
      const hooks = rt._hooks;
      if (hooks !== null) hooks.wake(this, cur.task);
      rt._schedule(this);
    } else if (st === RUNNING) {
      this.#state = s | F_NOTIFIED;
    }
  }

  /** @internal The task is its own poll context. */
  get waker(): Waker {
    return this;
  }

  // ---------------------------------------------------------------- stepping

  /**
   * @internal One step. Here is the executor's inner loop: resume the
   * coroutine, poll what it yields, and resume again while futures are ready.
   *
   * The caller (the runtime's loop or `Runtime.step`) has set `cur.rt` and
   * `cur.task === null`; the step leaves `cur.task` null again.
   */
  _step(): void {
    const s = this.#state;
    if (s !== SCHEDULED) {
      if ((s & STATE) !== SCHEDULED) return;
      if (s & F_FINISH) {
        // The last child is done: complete, as the current task (as a body that
        // ends completes), so that joiners and hooks see who woke them.
        const x = this._ex() as TaskExtras;
        cur.task = this;
        this._complete(x.outcomeKind, x.outcome);
        cur.task = null;
        return;
      }
    }
    const gen = this.#gen as Coroutine<T>;
    const rt = cur.rt as Runtime;
    const hooks = rt._hooks;
    cur.task = this;
    this.#state = (s & ~STATE) | RUNNING;
    if (hooks !== null) hooks.stepStart(this);
    let budget = BUDGET;
    let r: IteratorResult<Suspend, T>;
    try {
      // Resume: with the cancellation, the re-polled future's value or error,
      // or (first step, after yieldNow) nothing.
      const f = this.#fut as Future<unknown> | null;
      if (
        s !== SCHEDULED &&
        (((s & (F_CANCEL | F_CANCELLING)) === F_CANCEL && s < SHIELD) ||
          (s & F_INTERRUPT && this._interruption() !== NOT_DUE))
      ) {
        r = this._startCancel(gen);
      } else if (f === null) {
        r = genNext.call(gen, RESUME_LOCAL) as Step<T>;
      } else {
        this.#fut = null;
        r = this._repoll(gen, f, rt);
      }
      // Drive: poll each yielded future; continue while they are ready.
      while (r !== PARKED) {
        if (r !== YIELDED_LOCAL) {
          if (r.done) {
            this._bodyEnded(r.value, false);
            break;
          }
          r = genThrow.call(gen, badYield(r.value)) as Step<T>;
          continue;
        }
        const f = YIELDED_LOCAL.value;
        const st = this.#state;
        if (
          st !== RUNNING &&
          (((st & (F_CANCEL | F_CANCELLING)) === F_CANCEL && st < SHIELD) ||
            (st & F_INTERRUPT && this._interruption() !== NOT_DUE))
        ) {
          this.#fut = f; // dropped by _startCancel
          r = this._startCancel(gen);
          continue;
        }
        if (f === YIELD_NOW_LOCAL) {
          this.#state = st & ~(STATE | F_NOTIFIED); // SCHEDULED
          rt._push(this);
          break;
        }
        if (f === UNWIND_LOCAL) {
          r = (
            st & F_CANCELLING ? genReturn.call(gen, CANCEL_TOKEN) : genNext.call(gen, RESUME_LOCAL)
          ) as Step<T>;
          continue;
        }
        if (--budget === 0) {
          this.#fut = f; // polled first thing next step
          this.#state = st & ~(STATE | F_NOTIFIED);
          rt._push(this);
          break;
        }
        r = this._pollAndResume(gen, f, rt);
      }
    } catch (error) {
      this._bodyEnded(error, true);
    }
    cur.task = null;
    if (hooks !== null) hooks.stepEnd(this);
  }

  /**
   * @internal One poll of `f` for the coroutine: resumes it with the value or
   * the error, or parks the task and returns PARKED if `f` is pending.
   */
  _pollAndResume(gen: Coroutine<T>, f: Future<unknown>, rt: Runtime): IteratorResult<Suspend, T> {
    let v: unknown;
    let threw = false;
    try {
      v = f.poll(this);
    } catch (error) {
      threw = true;
      v = error;
    }
    if (threw) return genThrow.call(gen, v) as Step<T>;
    if (v === PENDING_LOCAL) {
      this._park(rt, f);
      return PARKED;
    }
    handoff.value = v;
    return genNext.call(gen, RESUME_LOCAL) as Step<T>;
  }

  /**
   * @internal Resumes a woken task parked on `f`: the future polls itself in
   * `next(REPOLL)` (see future.ts: a ready value never passes through an old
   * object), or answers STILL_PENDING and the task parks on it again, or
   * POLL_THREW and the error is thrown in as the executor's own poll would.
   */
  _repoll(gen: Coroutine<T>, f: Future<unknown>, rt: Runtime): IteratorResult<Suspend, T> {
    const r = genNext.call(gen, REPOLL_LOCAL) as Step<T>;
    if (r === STILL_PENDING_LOCAL) {
      this._park(rt, f);
      return PARKED;
    }
    if (r === POLL_THREW_LOCAL) {
      const error = handoff.value;
      handoff.value = undefined;
      return genThrow.call(gen, error) as Step<T>;
    }
    return r;
  }

  /** @internal Parks the task on `f` (or requeues it if it was woken or cancelled meanwhile). */
  _park(rt: Runtime, f: Future<unknown>): void {
    this.#fut = f;
    const s = this.#state;
    if (
      // (One mask test for both rare flags keeps the common park as cheap as before.)
      (s & (F_NOTIFIED | F_INTERRUPT) && (s & F_NOTIFIED || this._interruption() !== NOT_DUE)) ||
      ((s & (F_CANCEL | F_CANCELLING)) === F_CANCEL && s < SHIELD)
    ) {
      // Woken (or cancelled) during its own poll: poll again next batch.
      this.#state = (s & ~(STATE | F_NOTIFIED)) | SCHEDULED;
      rt._push(this);
    } else {
      this.#state = (s & ~STATE) | WAITING;
      const hooks = rt._hooks;
      if (hooks !== null) hooks.park(this, f);
    }
  }

  /**
   * @internal Acts on a cancel (the generator's `return()`) or a cancel
   * scope's interruption (the scope's CancelledError thrown at the wait, which
   * the scope catches). An interruption a shield or cleanup holds back returns
   * PARKED with `#fut` untouched (the initial resume then polls it as usual).
   */
  _startCancel(gen: Coroutine<T>): IteratorResult<Suspend, T> {
    const s = this.#state;
    const f = this.#fut as Future<unknown> | null;
    if ((s & (F_CANCEL | F_CANCELLING)) === F_CANCEL && s < SHIELD) {
      this.#state = s | F_CANCELLING;
      this.#fut = null;
      if (f !== null && f.cancel !== undefined) f.cancel();
      return genReturn.call(gen, CANCEL_TOKEN) as Step<T>;
    }
    const error = this._interruption(true);
    this.#fut = null;
    if (error === NOT_DUE) {
      // Held back (a shield, or cleanup running to its end): carry on as usual.
      return f === null
        ? (genNext.call(gen, RESUME) as Step<T>)
        : this._pollAndResume(gen, f, cur.rt as Runtime);
    }
    this.#state = s & ~F_INTERRUPT;
    if (f !== null && f.cancel !== undefined) f.cancel();
    return genThrow.call(gen, error) as Step<T>;
  }

  /**
   * @internal NOT_DUE unless a scope's interruption is due now; with `take`,
   * the error to throw (the scope then counts it as delivered).
   */
  _interruption(take = false): unknown {
    const s = this.#state;
    // A task-level cancel acts first. Its cleanup runs to its end: only scopes
    // entered inside that cleanup may interrupt it (the scope checks).
    if ((s & (F_CANCEL | F_CANCELLING)) === F_CANCEL && s < SHIELD) return NOT_DUE;
    const scope = this._ex()?.scope ?? null;
    return scope === null ? NOT_DUE : scope.interruption(this, take);
  }

  /**
   * @internal A cancel scope of this task was cancelled (or a shield over one
   * ended): the interruption is delivered at the next wait that may take it.
   */
  _interrupt(): void {
    const s = this.#state;
    if (this.#gen === null) return;
    this.#state = s | F_INTERRUPT;
    if ((s & STATE) === WAITING && this._interruption() !== NOT_DUE) {
      this.#state = ((s | F_INTERRUPT) & ~STATE) | SCHEDULED;
      this._findRuntime()._schedule(this);
    }
  }

  /** @internal No scope of this task wants an interruption any more. */
  _clearInterrupt(): void {
    this.#state &= ~F_INTERRUPT;
  }

  /** @internal How many shields (and cleanups) the task is inside. */
  get _shieldDepth(): number {
    return this.#state >>> 8;
  }

  // ---------------------------------------------------------------- completion

  /** @internal */
  _bodyEnded(value: unknown, threw: boolean): void {
    const s = this.#state;
    const parent = this.#parent;
    if (this.#x === null && !threw && (s & F_CANCELLING) === 0 && parent !== null) {
      // The common end, taken by most tasks: a child whose body returned, with
      // nothing rare about it (no children, joiners, name or cancel reason:
      // `#x` is null). What `_complete` would do for it, without its lookups.
      this.#state = DONE;
      this.#fut = value;
      this.#gen = null;
      const hooks = (cur.rt as Runtime)._hooks; // the body ends inside a step
      if (hooks !== null) hooks.complete(this);
      parent._unlinkChild(this);
      return;
    }
    this.#gen = null;
    this.#fut = null;
    const kind = threw ? FAILED : s & F_CANCELLING ? CANCELLED : DONE;
    if (kind === CANCELLED && value !== CANCEL_TOKEN) {
      // The cancel was swallowed: a finally returned, or a frame carried on past an inner cleanup.
      const hooks = (cur.rt as Runtime)._hooks; // the body ends inside a step
      if (hooks !== null) hooks.cancelSwallowed(this, value);
    }
    const x = this._ex();
    if (x !== null && x.first !== null) {
      // No task outlives its parent: cancel the children, complete after the last.
      x.outcomeKind = kind;
      x.outcome = value;
      this.#state = (s & ~(STATE | F_NOTIFIED)) | CLOSING;
      const hooks = kind === DONE ? (cur.rt as Runtime)._hooks : null;
      for (let c: Task<unknown> | null = x.first; c !== null; c = c.#next) {
        // Debug mode: a child cut short only because this body returned (a forgotten join?).
        if (hooks !== null && !(c.#state & F_CANCEL) && !c.isComplete) hooks.orphaned(this, c);
        c.cancel();
      }
      return;
    }
    this._complete(kind, value);
  }

  /** @internal */
  _complete(kind: number, value: unknown): void {
    const x = this._ex();
    if (x !== null && x.errors !== null) {
      // Errors are never dropped: children's failures come first, then our own.
      const errors = x.errors;
      x.errors = null;
      if (kind === FAILED) errors.push(value);
      kind = FAILED;
      value =
        errors.length === 1
          ? errors[0]
          : new AggregateError(errors, `${errors.length} errors in ${this.name}`);
    } else if (kind === CANCELLED) {
      // The CancelledError is made when someone asks (an Error's stack trace
      // costs microseconds, and most cancelled tasks are never joined).
      value = x?.reason;
    }
    this.#state = kind;
    this.#fut = value;
    this.#gen = null;

    const parent = this.#parent;
    let joined = false;
    let j = this._joinersHead();
    this._setJoiners(null);
    while (j !== null) {
      const next = j.nextJoiner;
      j.nextJoiner = null;
      if (parent === null || j.waker === parent) joined = true;
      j.joinerDone();
      j = next;
    }
    const rt = cur.rt ?? this._findRuntime(); // completion runs inside a step of this runtime
    const hooks = rt._hooks;
    if (hooks !== null) hooks.complete(this);
    if (parent === null) {
      unlink(this, rt._roots);
      rt._rootDone(this, kind === FAILED && !joined);
      return;
    }
    if (kind === FAILED && !joined) parent._childFailed(value);
    parent._unlinkChild(this);
  }

  /**
   * @internal Drops the task and every descendant without resuming them: a
   * simulated power cut (`corio/testing`'s `sim.crash`). Each pending future is
   * dropped (timers unfiled, joins withdrawn) but no generator runs again, so
   * no `finally` runs; each task completes as cancelled with `reason`, children
   * first, and its joiners are told. Not for a task on the stack (a running
   * task, or one of its ancestors): the caller checks.
   */
  _drop(reason: unknown): void {
    if ((this.#state & STATE) >= DONE) return;
    const x = this._ex();
    if (x !== null) {
      for (let c = x.first; c !== null; ) {
        const next = c.#next;
        c._drop(reason);
        c = next;
      }
      x.errors = null; // nothing of a dropped task survives, failures included
    }
    const f = this.#fut as Future<unknown> | null;
    this.#fut = null;
    this.#gen = null;
    if (f !== null && (this.#state & STATE) !== CLOSING && f.cancel !== undefined) f.cancel();
    this._extras().reason = reason;
    this._complete(CANCELLED, undefined);
  }

  /** @internal An unjoined child failed: fail at once (cancel; the error is the outcome). */
  _childFailed(error: unknown): void {
    const x = this._extras();
    if (x.errors === null) x.errors = [error];
    else x.errors.push(error);
    this.cancel(error);
  }

  /** @internal */
  _unlinkChild(child: Task<unknown>): void {
    const x = this._ex() as TaskExtras;
    unlink(child, x);
    if (x.first !== null) {
      // Resources held for this task stay until its body ends: a children-wait re-checks.
      if (x.heldResources !== 0 && x.childWaiter !== null) {
        const w = x.childWaiter;
        x.childWaiter = null;
        w.wake();
      }
      return;
    }
    const s = this.#state;
    if ((s & STATE) === CLOSING) {
      this.#state = (s & ~STATE) | SCHEDULED | F_FINISH;
      (cur.rt ?? this._findRuntime())._schedule(this);
    } else if (x.childWaiter !== null) {
      const w = x.childWaiter;
      x.childWaiter = null;
      w.wake();
    }
  }

  // ---------------------------------------------------------------- internals for the kernel

  /** @internal */
  _extras(): TaskExtras {
    const x = this.#x;
    if (x instanceof TaskExtras) return x;
    const extras = new TaskExtras();
    extras.joiners = x;
    this.#x = extras;
    return extras;
  }

  /** @internal */
  _ex(): TaskExtras | null {
    const x = this.#x;
    return x instanceof TaskExtras ? x : null;
  }

  /** @internal */
  _joinersHead(): Joiner | null {
    const x = this.#x;
    return x instanceof TaskExtras ? x.joiners : x;
  }

  /** @internal */
  _setJoiners(head: Joiner | null): void {
    const x = this.#x;
    if (x instanceof TaskExtras) x.joiners = head;
    else this.#x = head;
  }

  /** @internal */
  _findRuntime(): Runtime {
    let t = this as Task<unknown>;
    for (let p: Task<unknown> | null = t.#parent; p !== null; p = p.#parent) t = p;
    return (t.#x as TaskExtras).rt as Runtime; // a root's #x is always TaskExtras
  }

  /** @internal Links a new task into the tree and queues it. */
  static _spawn<T>(
    body: Body<T>,
    parent: Task<unknown> | null,
    rt: Runtime,
    options: SpawnOptions | undefined,
    where: string,
  ): Task<T> {
    const gen = toCoroutine(body, where);
    const task = new Task<T>(gen, parent);
    const name = options?.name;
    if (name !== undefined) {
      if (typeof name !== "string")
        throw new TypeError(`${where}: options.name must be a string, got ${typeName(name)}`);
      task._extras().name = name;
    }
    if (parent === null) {
      task._extras().rt = rt;
      link(task, rt._roots);
    } else {
      const px = parent._extras();
      if (px.locals !== null) task._extras().locals = px.locals;
      link(task, px);
      if (px.scope !== null) px.scope.adopt(task);
    }
    const hooks = rt._hooks;
    if (hooks !== null) hooks.spawn(task);
    rt._schedule(task);
    return task;
  }

  /** @internal The outcome: the value, or throws the error / CancelledError. Only when complete. */
  _result(): T {
    const s = this.#state;
    if (s === DONE) return this.#fut as T;
    if (s === CANCELLED) {
      // #fut holds the reason until the error is first needed (see _complete).
      this.#fut = new CancelledError(this.#fut);
      this.#state = CANCELLED | F_ERROR_MADE;
    }
    throw this.#fut;
  }

  /**
   * @internal A failure routed to a joiner that was dropped before it took it:
   * deliver it as an unjoined failure instead (errors are never lost).
   */
  _undelivered(): void {
    const error = this.#fut;
    const parent = this.#parent;
    if (parent !== null) {
      if (parent.#gen !== null || (parent.#state & STATE) === CLOSING) parent._childFailed(error);
    } else {
      this._findRuntime()._rootFailed(error);
    }
  }

  /**
   * @internal For observers: the failure of a failed task, or the cancel reason
   * of a cancelled one, without making a CancelledError (see _complete).
   */
  get _outcome(): unknown {
    const s = this.#state;
    if (s === CANCELLED) return this.#fut;
    if (s === (CANCELLED | F_ERROR_MADE)) return (this.#fut as CancelledError).reason;
    return s === FAILED ? this.#fut : undefined;
  }

  /** @internal */
  _addJoiner(j: Joiner): void {
    j.nextJoiner = this._joinersHead();
    this._setJoiners(j);
  }

  /** @internal */
  _removeJoiner(j: Joiner): void {
    let prev: Joiner | null = null;
    for (let k = this._joinersHead(); k !== null; prev = k, k = k.nextJoiner) {
      if (k === j) {
        if (prev === null) this._setJoiners(k.nextJoiner);
        else prev.nextJoiner = k.nextJoiner;
        k.nextJoiner = null;
        return;
      }
    }
  }

  /** @internal The pending future while waiting (for listings and deadlock checks). */
  get _waitingOn(): Future<unknown> | null {
    const st = this.#state & STATE;
    return st < DONE && this.#gen !== null ? (this.#fut as Future<unknown> | null) : null;
  }

  /** @internal True while the body has ended and the task waits for its children. */
  get _closing(): boolean {
    return (this.#state & STATE) === CLOSING;
  }

  /** @internal True when parked (waiting for a wake). */
  get _parked(): boolean {
    return (this.#state & STATE) === WAITING || (this.#state & STATE) === CLOSING;
  }

  /** @internal */
  get _firstChild(): Task<unknown> | null {
    return this._ex()?.first ?? null;
  }

  /** @internal */
  get _nextSibling(): Task<unknown> | null {
    return this.#next;
  }

  /** @internal */
  get _hasChildren(): boolean {
    const x = this._ex();
    return x !== null && x.first !== null;
  }

  /** @internal True if every child is a resource held for this task (see `heldResources`). */
  get _onlyHeldChildren(): boolean {
    const x = this._ex();
    if (x === null || x.heldResources === 0) return false;
    let n = 0;
    for (let c = x.first; c !== null; c = c.#next) if (++n > x.heldResources) return false;
    return true;
  }

  /** @internal A child resource starts (+1) or stops (-1) holding a value for this task. */
  _holdResource(delta: 1 | -1): void {
    this._extras().heldResources += delta;
  }

  /** @internal Registers a waker for "the last child completed" (taskGroup). */
  _waitChildren(waker: Waker | null): void {
    this._extras().childWaiter = waker;
  }

  /** @internal Enter / leave a `shield()` region. */
  _enterShield(): void {
    this.#state += SHIELD;
  }

  /** @internal */
  _exitShield(): void {
    this.#state -= SHIELD;
  }

  /** @internal Task-local storage (copy-on-write maps shared with children). */
  get _locals(): Map<unknown, unknown> | null {
    return this._ex()?.locals ?? null;
  }

  set _locals(locals: Map<unknown, unknown> | null) {
    this._extras().locals = locals;
  }

  /** @internal Free slot for the observability layer. */
  get _meta(): unknown {
    return this._ex()?.meta;
  }

  set _meta(meta: unknown) {
    this._extras().meta = meta;
  }

  /** @internal True once cancellation took effect: the generator's cleanup is running. */
  get _unwinding(): boolean {
    return (this.#state & F_CANCELLING) !== 0;
  }

  /**
   * @internal True once `cancel()` was called, whether or not it has taken
   * effect yet (it waits for the next `yield*`, or for a shield to end); the
   * reason itself is in the extras (`reason`).
   */
  get _cancelRequested(): boolean {
    return (this.#state & F_CANCEL) !== 0;
  }

  static {
    link = (task, list) => {
      const last = list.last;
      task.#prev = last;
      task.#next = null;
      if (last === null) list.first = task;
      else last.#next = task;
      list.last = task;
    };
    unlink = (task, list) => {
      const prev = task.#prev;
      const next = task.#next;
      if (prev === null) list.first = next;
      else prev.#next = next;
      if (next === null) list.last = prev;
      else next.#prev = prev;
      task.#prev = null;
      task.#next = null;
    };
  }
}
