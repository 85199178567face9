/**
 * Cancel scopes and deadlines (Trio's `CancelScope`): cancel exactly the work
 * inside a region of the current task — its body and every task spawned there
 * — and carry on after it.
 *
 * The model
 * ---------
 * A scope runs its body in the calling task (no child task). Each task keeps
 * its innermost scope in its side object (`TaskExtras.scope`); scopes link
 * outwards (`#outer`) to the enclosing scope of the same task and, past the
 * task's first scope, to the scope its parent spawned it in: deadlines are
 * inherited along that chain (`currentDeadline()`), a shield scope ends it.
 *
 * Cancelling a scope: the tasks spawned inside it (and inside its nested,
 * unshielded scopes) are cancelled as tasks are; the body is *interrupted*:
 * the task's next wait (or the one it is parked on) is dropped and a
 * `CancelledError` is thrown there. The error unwinds the body's frames,
 * running `catch`/`finally` and the cleanup of the combinators on the way, and
 * the scope that was cancelled catches it and returns `undefined`.
 *
 * Why a throw, when a task is cancelled with `return()`: `return()` unwinds a
 * generator's whole `yield*` chain and cannot stop at a frame in the middle of
 * it; a throw can (Trio's `Cancelled` is an exception for the same reason).
 *
 * Level-triggered, with one exception: until the interruption is delivered,
 * every wait inside the cancelled scope is interrupted at once (so is a task
 * spawned there). Once delivered, the cleanup it started runs to its end: a
 * scope's interruption is thrown once. It is held back while the task is inside
 * a shield scope entered inside the cancelled one, or inside cleanup (the task's
 * shield depth is above the depth the scope was entered at: `withCleanup`
 * shields its cleanup), and delivered at the first wait after it.
 *
 * What the Task knows of all this (task.ts): one flag bit (F_INTERRUPT: "a
 * scope may want the current wait interrupted"), looked at only on the slow
 * path where the other cancel flags are already tested; the `scope` field of
 * its side object; and `adopt()` at spawn when the parent has a scope.
 */
import type { Body } from "./body.js";
import { genNext, genReturn, genThrow, isCoroutine, isGenerator, toCoroutine } from "./body.js";
import { cur } from "./current.js";
import { CancelledError, TimeoutError } from "./errors.js";
import type { Context, Coroutine, Future, Pending, Waker } from "./future.js";
import { CANCEL_TOKEN, FutureBase, isFuture, PENDING, UNWIND, YIELDED } from "./future.js";
import type { Joiner } from "./join.js";
import type { Runtime } from "./runtime.js";
import type { ScopeLike } from "./task.js";
import { _NOT_DUE as NOT_DUE, Task } from "./task.js";
import { Timer } from "./timer.js";

/** What a cancel scope's body receives: the handle to cancel it, or move its deadline. */
export class CancelScope implements ScopeLike {
  /** The task it runs in: set when the scope starts (its first step), as coroutines are lazy. */
  #task: Task<unknown> | null = null;
  /** What it runs, until it starts: a ScopeBody, or (PLAIN) a Body or Future. */
  #body: unknown;
  readonly #where: string;
  #outer: CancelScope | null = null;
  #inner: CancelScope | null = null;
  /** The task's shield depth inside this scope (see the module comment). */
  #depth = 0;
  /** SHIELD, CANCEL_CALLED, ... (the bits below the class): one field, not seven. */
  #bits: number;
  #deadline: number;
  #timer: Timer | null = null;
  #reason: unknown = undefined;
  #error: CancelledError | null = null;
  /** Tasks spawned while this scope was its task's innermost, still running. */
  #tasks: Set<Task<unknown>> | null = null;
  #drainWaker: Waker | null = null;

  /**
   * @internal Use `cancelScope()`. Made at the call, started at the first
   * step (`_start`): `deadline` is absolute, or with RELATIVE a duration
   * counted from the start.
   */
  constructor(body: unknown, where: string, deadline: number, bits: number) {
    this.#body = body;
    this.#where = where;
    this.#deadline = deadline;
    this.#bits = bits;
  }

  /**
   * Cancels the scope: the body is interrupted at its current or next wait, the
   * tasks spawned inside are cancelled, and once their cleanup has run the
   * scope returns `undefined`. Cancelling twice, or a finished scope, does nothing.
   */
  cancel(reason?: unknown): void {
    const bits = this.#bits;
    if (bits & (CANCEL_CALLED | CLOSED)) return;
    this.#bits = bits | CANCEL_CALLED;
    this.#reason = reason;
    if (bits & ACTIVE) this.#cancelWork(reason);
  }

  /** True if `cancel()` was called or the deadline passed (whether or not it cut the body short). */
  get cancelCalled(): boolean {
    return (this.#bits & CANCEL_CALLED) !== 0;
  }

  /** True only when this scope's cancel or deadline cut the body short. */
  get cancelled(): boolean {
    return (this.#bits & CAUGHT) !== 0;
  }

  /**
   * The deadline on the runtime's clock (`now()`), or `Infinity` for none.
   * Settable while the scope runs: moving it into the past cancels at once.
   *
   * Throws: RangeError for a negative, NaN or non-number deadline.
   */
  get deadline(): number {
    return this.#deadline;
  }

  set deadline(at: number) {
    this.#deadline = checkDeadline(at, "scope.deadline");
    this.#bits &= ~RELATIVE;
    if (this.#bits & ACTIVE) this.#armTimer();
  }

  /** While true, cancellation from outside the scope (task or enclosing scopes) is held back. */
  get shield(): boolean {
    return (this.#bits & SHIELD) !== 0;
  }

  set shield(on: boolean) {
    if (typeof on !== "boolean") throw new TypeError("scope.shield must be a boolean");
    if (on === this.shield) return;
    this.#bits = on ? this.#bits | SHIELD : this.#bits & ~SHIELD;
    if (!(this.#bits & ACTIVE)) return;
    // The task-level shield counter follows; the depths recorded inside move with it.
    if (on) (this.#task as Task<unknown>)._enterShield();
    else (this.#task as Task<unknown>)._exitShield();
    for (let s: CancelScope | null = this; s !== null; s = s.#inner) s.#depth += on ? 1 : -1;
    if (!on && this.#outer !== null && this.#outer.#pending())
      (this.#task as Task<unknown>)._interrupt();
  }

  // ------------------------------------------------------------ the task's side

  /** @internal A task was spawned while this scope was its parent's innermost. */
  adopt(task: Task<unknown>): void {
    task._extras().scope = this;
    if (task.parent !== this.#task) return; // inherited only, for deadlines: the parent is ours
    if (this.#tasks === null) this.#tasks = new Set();
    this.#tasks.add(task);
    task._addJoiner(new ScopeMember(this, task));
    // Level-triggered: a task started inside a cancelled scope is cancelled at once.
    const target = this.#target((this.#task as Task<unknown>)._shieldDepth);
    if (target !== null) task.cancel(target.#reason);
  }

  /** @internal The task has an interruption flagged: the error if one is due now. */
  interruption(task: Task<unknown>, take?: boolean): unknown {
    if (task !== this.#task) return NOT_DUE;
    const target = this.#target(task._shieldDepth);
    if (target === null) return NOT_DUE;
    return take ? target.#errorToThrow() : true;
  }

  /** @internal */
  _memberDone(task: Task<unknown>): void {
    const tasks = this.#tasks as Set<Task<unknown>>;
    tasks.delete(task);
    if (tasks.size === 0 && this.#drainWaker !== null) {
      const w = this.#drainWaker;
      this.#drainWaker = null;
      w.wake();
    }
  }

  /** @internal The deadline timer fired (the scope is its waker). */
  wake(): void {
    this.#timer = null;
    if (this.#bits & (CLOSED | CANCEL_CALLED)) return;
    this.#bits |= DEADLINE_HIT;
    this.cancel();
  }

  // ------------------------------------------------------------ lifecycle (cancelScope)

  /**
   * @internal The scope's first step: enters it in the current task and
   * returns the coroutine of its body (called now, as the scope starts).
   */
  _start(): Coroutine<unknown> {
    const task = requireTask(this.#where);
    this.#task = task;
    const body = this.#body;
    this.#body = null;
    let gen: unknown;
    if (this.#bits & PLAIN) {
      gen =
        body instanceof Task || isFuture(body)
          ? awaitFuture(body as Future<unknown>)
          : toCoroutine(body as Body<unknown>, this.#where);
    } else {
      if (typeof body !== "function") {
        throw new TypeError(`${this.#where}: body must be a function (scope) => coroutine`);
      }
      let now: number | undefined;
      if (this.#bits & RELATIVE) {
        // A relative deadline starts when the scope does (coroutines are lazy).
        this.#bits &= ~RELATIVE;
        if (this.#deadline !== Number.POSITIVE_INFINITY) {
          now = (cur.rt as Runtime).now();
          this.#deadline += now;
        }
      }
      gen = (body as ScopeBody<unknown>)(this);
      // The brand check first: no property loads off a user's generator (see body.ts).
      if (!isGenerator(gen) && !isCoroutine(gen)) {
        if (!isFuture(gen)) badBody(body, this.#where);
        gen = awaitFuture(gen as Future<unknown>);
      }
      return this.#enter(task, gen as Coroutine<unknown>, now);
    }
    return this.#enter(task, gen as Coroutine<unknown>, undefined);
  }

  #enter(
    task: Task<unknown>,
    gen: Coroutine<unknown>,
    now: number | undefined,
  ): Coroutine<unknown> {
    const x = task._extras();
    const outer = x.scope as CancelScope | null;
    this.#outer = outer;
    if (outer !== null && outer.#task === task) outer.#inner = this;
    x.scope = this;
    let bits = this.#bits;
    if (bits & SHIELD) task._enterShield();
    this.#depth = task._shieldDepth;
    if (task._unwinding) bits |= IN_TASK_CLEANUP;
    this.#bits = bits | ACTIVE;
    if (this.#deadline !== Number.POSITIVE_INFINITY) this.#armTimer(now);
    if (bits & CANCEL_CALLED) this.#cancelWork(this.#reason);
    return gen;
  }

  /** @internal True while tasks spawned inside still run. */
  _hasTasks(): boolean {
    return this.#tasks !== null && this.#tasks.size > 0;
  }

  /**
   * @internal The body has ended, however: cancel and wait for the tasks
   * spawned inside, shielded (a cancel of the task waits for them too).
   */
  *_drainShielded(): Coroutine<void> {
    this.#disarmTimer();
    const tasks = this.#tasks;
    if (tasks === null || tasks.size === 0) return;
    const task = this.#task as Task<unknown>;
    task._enterShield();
    try {
      for (const t of tasks) t.cancel();
      yield* new Drained(this);
    } finally {
      task._exitShield();
    }
  }

  /** @internal Leaves the scope (synchronously, however the body ended). */
  _leave(): void {
    const task = this.#task as Task<unknown>;
    if (this.#timer !== null) this.#disarmTimer();
    const bits = this.#bits;
    this.#bits = (bits & ~ACTIVE) | CLOSED;
    if (bits & SHIELD) task._exitShield();
    const outer = this.#outer;
    task._extras().scope = outer;
    task._clearInterrupt();
    if (outer !== null && outer.#task === task) {
      outer.#inner = null;
      if (outer.#pending()) task._interrupt();
    }
  }

  /** @internal True if `error` is this scope's interruption (without catching it). */
  _owns(error: unknown): boolean {
    return error !== null && error === this.#error;
  }

  /** @internal True if `error` is this scope's interruption (the scope catches it). */
  _catches(error: unknown): boolean {
    if (error === null || error !== this.#error) return false;
    this.#bits |= CAUGHT;
    return true;
  }

  /** @internal */
  _drainPoll(cx: Context): undefined | Pending {
    const tasks = this.#tasks;
    if (tasks === null || tasks.size === 0) {
      this.#drainWaker = null;
      return undefined;
    }
    this.#drainWaker = cx.waker;
    return PENDING;
  }

  /** @internal */
  _drainCancel(): void {
    this.#drainWaker = null;
  }

  /** @internal Describes what the scope's drain waits for. */
  _drainDescribe(): string {
    return `${this.#tasks?.size ?? 0} task(s) of its cancel scope to finish`;
  }

  /** @internal For currentDeadline(): this scope's deadline and the ones it inherits. */
  _effectiveDeadline(): number {
    let d = Number.POSITIVE_INFINITY;
    for (let s: CancelScope | null = this; s !== null; s = s.#outer) {
      if (s.#deadline < d) d = s.#deadline;
      if (s.#bits & SHIELD) break;
    }
    return d;
  }

  // ------------------------------------------------------------ internals

  /**
   * The scope whose interruption is due, from this (the innermost) outwards:
   * the outermost cancelled-but-not-delivered scope of the same task, up to
   * the first shield, among scopes entered at the task's current shield depth.
   */
  #target(depth: number): CancelScope | null {
    let target: CancelScope | null = null;
    const task = this.#task as Task<unknown>;
    // The cleanup of the task's own cancellation runs to its end: only scopes
    // entered inside it may interrupt it.
    const unwinding = task._unwinding;
    for (
      let s: CancelScope | null = this;
      s !== null &&
      s.#task === task &&
      s.#depth === depth &&
      (!unwinding || s.#bits & IN_TASK_CLEANUP);
      s = s.#outer
    ) {
      if (s.#bits & CANCEL_CALLED && s.#error === null) target = s;
      if (s.#bits & SHIELD) break;
    }
    return target;
  }

  /** True if an interruption is owed to this scope or one it does not shield from. */
  #pending(): boolean {
    const task = this.#task;
    for (let s: CancelScope | null = this; s !== null && s.#task === task; s = s.#outer) {
      if (s.#bits & CANCEL_CALLED && s.#error === null) return true;
      if (s.#bits & SHIELD) break;
    }
    return false;
  }

  #errorToThrow(): CancelledError {
    if (this.#error === null) {
      this.#error =
        this.#bits & DEADLINE_HIT
          ? new CancelledError(this.#reason, "cancel scope's deadline passed")
          : new CancelledError(this.#reason, "cancel scope was cancelled");
    }
    return this.#error;
  }

  #cancelWork(reason: unknown): void {
    for (let s: CancelScope | null = this; s !== null; s = s.#inner) {
      if (s !== this && s.#bits & SHIELD) break;
      if (s.#tasks !== null) for (const t of s.#tasks) t.cancel(reason);
    }
    (this.#task as Task<unknown>)._interrupt();
  }

  #armTimer(now?: number): void {
    this.#disarmTimer();
    const at = this.#deadline;
    if (at === Number.POSITIVE_INFINITY || this.#bits & CANCEL_CALLED) return;
    // The timer is filed directly with this scope as its waker (a Timer's own
    // poll would read the clock a second time).
    const rt = (this.#task as Task<unknown>)._findRuntime();
    const timer = Timer.at(at);
    timer.waker = this;
    if (rt._fileTimer(timer, at, now ?? rt.now())) this.#timer = timer;
    else this.wake(); // already due
  }

  #disarmTimer(): void {
    const timer = this.#timer;
    if (timer === null) return;
    this.#timer = null;
    timer.cancel();
  }

  /** The scope is its timer's poll context. */
  get waker(): Waker {
    return this;
  }
}

/** A scope's member task: tells the scope when it completes (not a join: failures go to the parent). */
class ScopeMember implements Joiner {
  readonly waker = null;
  nextJoiner: Joiner | null = null;
  readonly #scope: CancelScope;
  readonly #task: Task<unknown>;
  constructor(scope: CancelScope, task: Task<unknown>) {
    this.#scope = scope;
    this.#task = task;
  }
  joinerDone(): void {
    this.#scope._memberDone(this.#task);
  }
}

/** Ready once every task spawned inside the scope has completed. */
class Drained extends FutureBase<void> {
  readonly #scope: CancelScope;
  constructor(scope: CancelScope) {
    super();
    this.#scope = scope;
  }
  poll(cx: Context): undefined | Pending {
    return this.#scope._drainPoll(cx);
  }
  cancel(): void {
    this.#scope._drainCancel();
  }
  override describe(): string {
    return this.#scope._drainDescribe();
  }
}

/** @internal Throws a RangeError unless `at` is a deadline: a number >= 0 (Infinity = none). */
export function checkDeadline(at: unknown, where: string): number {
  if (typeof at !== "number" || Number.isNaN(at) || at < 0) {
    throw new RangeError(
      `${where}: the deadline must be a number of milliseconds >= 0 on the runtime clock (Infinity for none), got ${String(at)}`,
    );
  }
  return at;
}

function requireTask(what: string): Task<unknown> {
  const task = cur.task;
  if (task === null)
    throw new Error(`${what} must run inside a corio task (inside run(), spawn() or a Runtime)`);
  return task;
}

/** The body of a cancel scope: a function given the scope, returning a coroutine (or a future to wait on). */
export type ScopeBody<T> = (scope: CancelScope) => Coroutine<T> | Future<T>;

// A scope's bits.
const SHIELD = 1;
const CANCEL_CALLED = 2;
const DEADLINE_HIT = 4;
/** Its cancel or deadline cut the body short (`cancelled`). */
const CAUGHT = 8;
const ACTIVE = 16;
/** Entered inside the cleanup of the task's own cancellation. */
const IN_TASK_CLEANUP = 32;
const CLOSED = 64;
/** Until it starts: the deadline is a duration from the start. */
const RELATIVE = 128;
/** @internal For `new CancelScope(body, where, ms, RELATIVE_DEADLINE)`: `ms` from the start. */
export const RELATIVE_DEADLINE = RELATIVE;
/** The body is a Body or a Future (`shield`), not a function given the scope. */
const PLAIN = 256;

/**
 * @internal Runs the body of `scope` (made at the call) in the current task;
 * the building block of every name here. It is `withCleanup(delegate(body),
 * drain)` (cleanup.ts) written as the iterator that the caller's `yield*`
 * drives, not as a generator: a scope around a ready operation then costs
 * this small object and the scope, no generator object and no level of
 * generator resumption (measured in bench/scope.mjs; docs/internals.md,
 * "Combinators and scopes"). The generator it replaces, for reading:
 *
 *     const gen = scope._start();
 *     let exit = EXIT_CANCELLED; // stays so only if the finally is entered by a cancellation
 *     try {
 *       value = yield* gen;
 *       if (value !== CANCEL_TOKEN) exit = EXIT_RETURNED; // else an inner cleanup suspended
 *     } catch (e) {
 *       exit = EXIT_THREW;
 *     } finally {
 *       if (scope._hasTasks()) yield* scope._drainShielded();
 *       scope._leave();
 *       if (exit === EXIT_CANCELLED) yield* UNWIND;
 *     }
 *     if (exit === EXIT_THREW) { if (scope._catches(error)) return undefined; throw error; }
 *     return value;
 */
export function runScope(scope: CancelScope): Coroutine<unknown> {
  return new ScopeRun(scope) as unknown as Coroutine<unknown>;
}

const EXIT_CANCELLED = 0;
const EXIT_RETURNED = 1;
const EXIT_THREW = 2;

// ScopeRun's phases.
const P_NEW = 0;
const P_BODY = 1;
const P_DRAIN = 2;
const P_UNWIND = 3;
const P_DONE = 4;

type Resume = (this: Coroutine<unknown>, v: unknown) => IteratorResult<unknown, unknown>;

/** The shared result of a finished run, read at once by the caller's `yield*` (as future.ts's DONE). */
const FINISHED: { done: true; value: unknown } = { done: true, value: undefined };

function finished(value: unknown): IteratorReturnResult<unknown> {
  FINISHED.value = value;
  return FINISHED;
}

class ScopeRun {
  readonly #scope: CancelScope;
  /** The body's coroutine, then (only if tasks spawned inside still run) the drain's. */
  #gen: Coroutine<unknown> | null = null;
  #phase = P_NEW;
  #exit = EXIT_CANCELLED;
  /** The body's value, or its error. */
  #result: unknown = undefined;

  constructor(scope: CancelScope) {
    this.#scope = scope;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(v?: unknown): IteratorResult<unknown, unknown> {
    switch (this.#phase) {
      case P_BODY:
        return this.#body(genNext, v, false);
      case P_NEW:
        this.#phase = P_DONE; // if _start throws, the run is over (a generator's first step threw)
        this.#gen = this.#scope._start();
        this.#phase = P_BODY;
        return this.#body(genNext, undefined, false);
      case P_DRAIN:
        return this.#drain(genNext, v);
      case P_UNWIND:
        // The task is not unwinding after all: the run ends as the cancellation left it.
        this.#phase = P_DONE;
        return finished(CANCEL_TOKEN);
      default:
        return finished(undefined);
    }
  }

  throw(error: unknown): IteratorResult<unknown, unknown> {
    switch (this.#phase) {
      case P_BODY:
        return this.#body(genThrow, error, false);
      case P_DRAIN:
        return this.#drain(genThrow, error);
      default:
        this.#phase = P_DONE;
        throw error;
    }
  }

  return(value: unknown): IteratorResult<unknown, unknown> {
    switch (this.#phase) {
      case P_BODY:
        return this.#body(genReturn, value, true);
      case P_DRAIN:
        return this.#drain(genReturn, value);
      default:
        this.#phase = P_DONE;
        return finished(value);
    }
  }

  /** Resumes the body; when it ends, however, the scope's cleanup starts. */
  #body(resume: Resume, v: unknown, returning: boolean): IteratorResult<unknown, unknown> {
    let r: IteratorResult<unknown, unknown>;
    try {
      r = resume.call(this.#gen as Coroutine<unknown>, v);
    } catch (e) {
      this.#exit = EXIT_THREW;
      this.#result = e;
      return this.#cleanup();
    }
    if (r.done !== true) return r;
    // A return that completed at once is the cancellation unwinding through
    // here; CANCEL_TOKEN as a value means an inner frame's cleanup suspended.
    if (!returning && r.value !== CANCEL_TOKEN) {
      this.#exit = EXIT_RETURNED;
      this.#result = r.value;
    }
    return this.#cleanup();
  }

  #cleanup(): IteratorResult<unknown, unknown> {
    const scope = this.#scope;
    if (!scope._hasTasks()) return this.#leave();
    this.#gen = scope._drainShielded();
    this.#phase = P_DRAIN;
    return this.#drain(genNext, undefined);
  }

  #drain(resume: Resume, v: unknown): IteratorResult<unknown, unknown> {
    let r: IteratorResult<unknown, unknown>;
    try {
      r = resume.call(this.#gen as Coroutine<unknown>, v);
    } catch (e) {
      // The cleanup's error replaces the ending, as a throwing finally does.
      this.#phase = P_DONE;
      this.#gen = null;
      this.#scope._leave();
      throw e;
    }
    if (r.done !== true) return r;
    return this.#leave();
  }

  #leave(): IteratorResult<unknown, unknown> {
    const scope = this.#scope;
    this.#gen = null;
    scope._leave();
    const exit = this.#exit;
    if (exit === EXIT_CANCELLED) {
      // Re-arm the unwinding (see UNWIND): return() or next() comes next.
      this.#phase = P_UNWIND;
      YIELDED.value = UNWIND;
      return YIELDED;
    }
    this.#phase = P_DONE;
    const result = this.#result;
    this.#result = undefined;
    if (exit === EXIT_RETURNED) return finished(result);
    if (scope._catches(result)) return finished(undefined);
    throw result;
  }
}

function badBody(body: unknown, where: string): never {
  // toCoroutine says what was wrong (an async function, a Promise, ...).
  toCoroutine(() => (body as () => Coroutine<unknown>)(), where);
  throw new TypeError(`${where}: body must return a coroutine`);
}

/**
 * Runs `body(scope)` in the current task inside a cancel scope (Trio's
 * `CancelScope`). `scope.cancel()` or the scope's `deadline` cancels exactly
 * the work inside: the body is interrupted at its current or next wait (a
 * `CancelledError` thrown there, so its `finally` blocks and cleanup run), the
 * tasks spawned inside are cancelled, and once all their cleanup has run the
 * scope returns `undefined` and the code after it goes on. When the body
 * returns, tasks spawned inside that still run are cancelled and awaited.
 *
 * @example
 * const value = yield* cancelScope(function* (scope) {
 *   scope.deadline = now() + 1000;
 *   yield* sleep(5000); // a slow query
 *   return "answer";
 * }); // undefined: the deadline passed
 */
export function cancelScope<T>(body: ScopeBody<T>): Coroutine<T | undefined> {
  return runScope(new CancelScope(body, "cancelScope(body)", Number.POSITIVE_INFINITY, 0)) as never;
}

/**
 * Runs `body` with a deadline `ms` from now; returns its value, or `undefined`
 * if the deadline passed first (the body's cleanup has run). `Infinity`: no deadline.
 *
 * Throws: RangeError for a negative, NaN or non-number `ms`.
 *
 * @example
 * const [, rx] = channel<string>(1);
 * const reply = yield* moveOnAfter(500, () => rx.recv()); // undefined after 500 ms: nobody sent
 */
export function moveOnAfter<T>(ms: number, body: ScopeBody<T>): Coroutine<T | undefined> {
  checkMs(ms, "moveOnAfter(ms, body)");
  return runScope(new CancelScope(body, "moveOnAfter(ms, body)", ms, RELATIVE)) as never;
}

/**
 * Runs `body` until the runtime clock reaches `at`; returns its value, or
 * `undefined` if it did not finish in time (its cleanup has run).
 *
 * Throws: RangeError for a negative, NaN or non-number deadline.
 */
export function moveOnAt<T>(at: number, body: ScopeBody<T>): Coroutine<T | undefined> {
  checkDeadline(at, "moveOnAt(at, body)");
  return runScope(new CancelScope(body, "moveOnAt(at, body)", at, 0)) as never;
}

/**
 * Runs `body` until the runtime clock reaches `at`; throws `TimeoutError` if
 * it did not finish in time (after its cleanup has run).
 *
 * Throws: TimeoutError; the body's own error; RangeError for a bad deadline.
 */
export function* timeoutAt<T>(at: number, body: ScopeBody<T>): Coroutine<T> {
  checkDeadline(at, "timeoutAt(at, body)");
  const start = nowOf();
  const scope = new CancelScope(body, "timeoutAt(at, body)", at, 0);
  const value = yield* runScope(scope);
  if (scope.cancelled) throw new TimeoutError(Math.max(0, at - start));
  return value as T;
}

/**
 * The earliest deadline enclosing the current task: its own scopes' and those
 * it was spawned inside (`timeout` included), up to the first shield; `Infinity` if none.
 */
export function currentDeadline(): number {
  const task = cur.task;
  const scope = (task?._ex()?.scope ?? null) as CancelScope | null;
  return scope === null ? Number.POSITIVE_INFINITY : scope._effectiveDeadline();
}

/**
 * Runs `body` protected from outside cancellation, as asyncio's `shield` and
 * Trio's shielded cancel scopes: a cancel of the task or of an enclosing scope
 * that arrives while the body runs is held back until it completes, then takes
 * effect at the next `yield*`. The body runs in the current task; scopes and
 * deadlines inside it still work (`moveOnAfter` inside `shield` fires).
 *
 * @example
 * yield* shield(function* () {
 *   yield* sleep(5); // flushing to disk: completes even if the task is cancelled meanwhile
 * });
 */
export function shield<T>(body: Body<T> | Future<T>): Coroutine<T> {
  return runScope(
    new CancelScope(body, "shield()", Number.POSITIVE_INFINITY, SHIELD | PLAIN),
  ) as never;
}

// Module-level, not a generator closure per call: V8 gives each fresh generator closure its own
// prototype, and its first call costs about a microsecond.
function* awaitFuture<T>(future: Future<T>): Coroutine<T> {
  return yield* future;
}

function checkMs(ms: unknown, where: string): void {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(
      `${where}: the duration must be a number of milliseconds >= 0 (Infinity for none), got ${String(ms)}`,
    );
  }
}

function nowOf(): number {
  const rt = cur.rt;
  return rt === null ? performance.now() : rt.now();
}
