/**
 * Futures: the Rust shape of a suspended operation, made iterable so that
 * `const v = yield* fut` works in a generator and is typed `T`.
 *
 * The model
 * ---------
 * A Future is polled by the executor on behalf of one task. `poll(cx)` returns
 * the value when it is ready, or the `PENDING` sentinel after storing
 * `cx.waker`; whoever can make progress later (a timer, a socket, another task)
 * calls `waker.wake()`, and the executor polls again. Polls may be spurious: a
 * future must tolerate being polled when nothing changed. `cancel()` is Rust's
 * drop: it unregisters the waker and releases what the future holds. It is
 * called at most once, only on a future that was yielded and not yet completed.
 *
 * How `yield*` reaches the executor (the hand-off protocol)
 * ---------------------------------------------------------
 * A future is its own iterator. `yield* fut` calls `fut.next(undefined)`; the
 * future answers with the shared `YIELDED` result whose value is the future
 * itself, and the generator machinery passes that very object up through any
 * number of nested `yield*` to the executor (ECMAScript's yield* forwards the
 * inner result object unchanged). The executor polls the future and, once it
 * has a value, stores it in `handoff.value` and resumes the coroutine with
 * `gen.next(RESUME)`. The token travels down the same `yield*` chain to the
 * future, whose `next(RESUME)` returns the shared `DONE` result carrying the
 * value, which becomes the value of the `yield*` expression. Errors travel as
 * `gen.throw(error)`: the future's `throw()` rethrows, so the error surfaces at
 * the user's `yield*`. Cancellation is `gen.return()`: futures define no
 * `return()` method, so `yield*` simply returns and `finally` blocks run.
 *
 * A task woken while parked on a future is resumed differently: the executor
 * does not poll, it resumes the coroutine with `gen.next(REPOLL)`, and the
 * future polls itself in `next(REPOLL)` (with the running task, `cur.task`, as
 * its context), returning a fresh `{ done: true, value }` when ready, or the
 * shared `STILL_PENDING` result, which travels up like `YIELDED` and tells the
 * executor to park the task again on the same future. An error thrown by that
 * poll is caught and answered with `POLL_THREW` (the error in `handoff.value`),
 * and the executor delivers it with `gen.throw(error)` as before, so a
 * hand-written coroutine still sees it through its `throw()`. Why:
 * the value a woken future produces (a received message, its result object) is
 * usually a young object, and carrying it in the long-lived `handoff` costs
 * V8's write barrier (`RecordWrite`, ~2.5 % of a ping-pong profile); made and
 * returned inside `next()`, it never touches an old object. A wake is almost
 * always followed by a ready poll; a spurious one costs a resume of the
 * coroutine instead of a bare poll.
 *
 * Why: nothing is allocated per suspension or resumption. Futures need no
 * state to tell "first call" from "resume", so a singleton such as `yieldNow()`
 * is safe, and `r === YIELDED` tells the executor that the coroutine used
 * `yield*` (a plain `yield fut` produces a fresh result object and is reported
 * as the mistake it is).
 *
 * Invariant: `YIELDED` and `DONE` are read immediately by whoever received them
 * (the executor, or the `yield*` machinery) before any other future runs.
 */
import { cur } from "./current.js";
import type { Runtime } from "./runtime.js";

/** Returned by `poll()` when the value is not ready yet (after storing `cx.waker`). */
export const PENDING: unique symbol = Symbol("corio.PENDING");
/** The type of `PENDING`: what `poll()` returns when its value is not ready. */
export type Pending = typeof PENDING;

/** Puts a task back on its runtime's ready queue so the executor polls it again. */
export interface Waker {
  /** Schedules the task to be polled again; waking a task that is already ready does nothing. */
  wake(): void;
}

/** What a future sees when it is polled: the waker of the task polling it. */
export interface Context {
  readonly waker: Waker;
}

/**
 * A suspended operation producing a `T`. Use it in a coroutine with
 * `const value = yield* future`.
 */
export interface Future<T> {
  /** Returns the value, or `PENDING` after storing `cx.waker` to be woken later. */
  poll(cx: Context): T | Pending;
  /** Rust's drop: unregister the waker and release what the future holds. */
  cancel?(): void;
  /** Makes `yield* future` evaluate to `T`. */
  [Symbol.iterator](): Iterator<Suspend, T, unknown>;
}

declare const suspendBrand: unique symbol;

/**
 * What a coroutine yields: a future handed up by `yield* future`. Branded so
 * that a plain `yield future` (the missing `*`, which yields a bare future) is a
 * type error wherever the coroutine is passed as a body, not only a run-time one.
 */
export type Suspend = Future<unknown> & { readonly [suspendBrand]: true };

/**
 * A coroutine: a generator that yields futures (through `yield*`) and returns
 * `T`. Creating one runs nothing; a task drives it.
 */
export type Coroutine<T = unknown> = Generator<Suspend, T, unknown>;

/** @internal The resume token: "the value you waited for is in `handoff.value`". */
export const RESUME: unique symbol = Symbol("corio.resume");

/** @internal The wake-up token: "poll yourself now; complete, or answer `STILL_PENDING`". */
export const REPOLL: unique symbol = Symbol("corio.repoll");

/** @internal A future's answer to `REPOLL` when its poll is still pending (park again). */
export const STILL_PENDING: { done: false; value: undefined } = { done: false, value: undefined };

/** @internal A future's answer to `REPOLL` when its poll threw: the error is in `handoff.value`. */
export const POLL_THREW: { done: false; value: undefined } = { done: false, value: undefined };

// Local copies of sentinels (the `*_LOCAL` consts here and in the hot modules that compare against
// them). Why: TurboFan folds a module's own non-exported `const` to its value, but neither an
// imported binding nor an export (both are read through a module cell), so `token === RESUME`
// with `token` sometimes undefined, sometimes a symbol, compiles to a call of the generic
// StrictEqual builtin; against a local copy it is one pointer compare (docs/internals.md).
const PENDING_LOCAL: typeof PENDING = PENDING;
const RESUME_LOCAL: typeof RESUME = RESUME;
const REPOLL_LOCAL: typeof REPOLL = REPOLL;

/**
 * @internal A future's side of the wake-up protocol (`next(REPOLL)`): polls
 * `f` for the running task and answers with its value, `STILL_PENDING` or
 * `POLL_THREW`.
 */
export function repoll<T>(f: Future<T>): IteratorResult<Suspend, T> {
  let value: T | Pending;
  try {
    value = f.poll(cur.task as unknown as Context);
  } catch (error) {
    handoff.value = error;
    return POLL_THREW as unknown as IteratorYieldResult<Suspend>;
  }
  if (value === PENDING_LOCAL) return STILL_PENDING as unknown as IteratorYieldResult<Suspend>;
  return { done: true, value };
}

/** @internal Carries a ready value from the executor to the resumed future. */
export const handoff: { value: unknown } = { value: undefined };

/** @internal The shared "suspend on this future" result; see the module comment. */
export const YIELDED: { done: false; value: Future<unknown> } = {
  done: false,
  value: undefined as unknown as Future<unknown>,
};

// The shared completion result. `value` is written just before it is returned.
const DONE: { done: true; value: unknown } = { done: true, value: undefined };

/**
 * The base of corio's futures: implements the iterator side of the hand-off
 * protocol so a subclass only writes `poll()` (and `cancel()` if it holds
 * anything). Low-level: see `corio/lowlevel`.
 */
export abstract class FutureBase<T> implements Future<T>, Iterator<Suspend, T, unknown> {
  abstract poll(cx: Context): T | Pending;

  [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    return this;
  }

  /** The iterator protocol that `yield*` drives; not for direct use. */
  next(token?: unknown): IteratorResult<Suspend, T> {
    // Woken while parked on this future: poll here (see the module comment).
    if (token === REPOLL_LOCAL) return repoll(this);
    if (token === RESUME_LOCAL) {
      const done = DONE;
      done.value = handoff.value;
      handoff.value = undefined;
      return done as IteratorReturnResult<T>;
    }
    YIELDED.value = this;
    return YIELDED as IteratorYieldResult<Suspend>;
  }

  /** The iterator protocol that `yield*` drives: rethrows `error`; not for direct use. */
  throw(error?: unknown): IteratorResult<Suspend, T> {
    throw error;
  }

  /** A short description of what this future waits on, for task listings. */
  describe(): string {
    return this.constructor.name;
  }
}

class PollFn<T> extends FutureBase<T> {
  readonly #poll: (cx: Context) => T | Pending;
  readonly #cancel: (() => void) | undefined;
  readonly #label: string | undefined;

  constructor(
    poll: (cx: Context) => T | Pending,
    cancel: (() => void) | undefined,
    label: string | undefined,
  ) {
    super();
    this.#poll = poll;
    this.#cancel = cancel;
    this.#label = label;
  }

  poll(cx: Context): T | Pending {
    return this.#poll(cx);
  }

  cancel(): void {
    this.#cancel?.();
  }

  override describe(): string {
    return this.#label ?? "pollFn";
  }
}

/**
 * Builds a future from a poll function (and an optional drop), as Rust's
 * `std::future::poll_fn`. No guard rails: `poll` must store `cx.waker` whenever
 * it returns `PENDING`, or the task never runs again.
 *
 * @example
 * let ready = false;
 * let waker: Waker | undefined;
 * const flag = pollFn((cx) => (ready ? "set" : ((waker = cx.waker), PENDING)));
 */
export function pollFn<T>(
  poll: (cx: Context) => T | Pending,
  cancel?: () => void,
  label?: string,
): Future<T> {
  if (typeof poll !== "function") throw new TypeError("pollFn(poll): poll must be a function");
  return new PollFn(poll, cancel, label);
}

class Ready<T> extends FutureBase<T> {
  readonly #value: T;
  constructor(value: T) {
    super();
    this.#value = value;
  }
  poll(): T {
    return this.#value;
  }
  override describe(): string {
    return "ready";
  }
}

/** A future that is ready at once with `value` (`std::future::ready`). */
export function ready<T>(value: T): Future<T> {
  return new Ready(value);
}

class Never extends FutureBase<never> {
  poll(): Pending {
    return PENDING;
  }
  override describe(): string {
    return "pending forever";
  }
}

/** A future that never completes (`std::future::pending`); only cancellation ends the wait. */
export function pending(): Future<never> {
  return new Never();
}

// What `yield* yieldNow()` evaluates to when the task is resumed.
const YIELD_DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

class YieldNow extends FutureBase<void> {
  // The executor recognises this singleton and requeues the task without
  // polling it. A manual poll (inside another future) behaves as Rust's
  // `yield_now` would on every poll: wake and report pending.

  /**
   * The hand-off protocol without the hand-off: the first call suspends, any
   * resume (RESUME, or REPOLL: a yield is ready once resumed) completes with
   * nothing, so the executor's resume after a yield reads and writes no
   * `handoff`.
   */
  override next(token?: unknown): IteratorResult<Suspend, void> {
    if (token === RESUME_LOCAL || token === REPOLL_LOCAL) return YIELD_DONE;
    YIELDED.value = this;
    return YIELDED as IteratorYieldResult<Suspend>;
  }

  poll(cx: Context): Pending {
    cx.waker.wake();
    return PENDING;
  }
  override describe(): string {
    return "yieldNow";
  }
}

/** @internal The instruction the executor handles itself: go to the back of the ready queue. */
export const YIELD_NOW: Future<void> = new YieldNow();

/**
 * Suspends the current task and puts it at the back of the ready queue, so every
 * other ready task runs first. Always suspends.
 *
 * Cancellation: a cancel delivered here takes effect at once; nothing is lost.
 *
 * @example
 * yield* yieldNow();
 */
export function yieldNow(): Future<void> {
  return YIELD_NOW;
}

class Unwind extends FutureBase<void> {
  // Recognised by the executor; polled directly it is simply ready.
  poll(): undefined {
    return undefined;
  }
  override describe(): string {
    return "unwind";
  }
}

/**
 * @internal The value the executor passes to `generator.return()` when it
 * cancels a task. A frame that sees it come back from `yield*` knows an inner
 * frame finished an asynchronous cleanup and the cancellation must go on.
 */
export const CANCEL_TOKEN: unique symbol = Symbol("corio.cancelled");

/**
 * @internal "Resume the unwinding": if the task is being cancelled, the
 * executor answers this yield with `generator.return()` instead of `next()`.
 *
 * Why it exists: when a cancelled task's `finally` inside a *nested* generator
 * suspends (asynchronous cleanup), the executor must resume the chain with
 * `next()` so the cleanup can finish; but that takes the enclosing frames out
 * of return mode, and once the inner frame completes they would carry on as if
 * nothing happened (JavaScript's yield* forgets the return). `withCleanup` and
 * `delegate` (cleanup.ts) yield `UNWIND` at that point to re-arm the return (as
 * Effection's `scoped()` re-arms its trap); nothing else should.
 */
export const UNWIND: Future<void> = new Unwind();

/** @internal True for anything with a `poll` method. */
export function isFuture(value: unknown): value is Future<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { poll?: unknown }).poll === "function"
  );
}

/**
 * @internal True if only tasks of `rt` could complete `future`, so that waiting
 * on it can deadlock: the future says so through its optional `isLocalTo(rt)`
 * (see docs/internals.md, "Deadlock"); one that does not is never counted.
 */
export function isLocalWait(future: Future<unknown> | null, rt: Runtime): boolean {
  if (future === null) return false;
  const local = (future as { isLocalTo?: (rt: Runtime) => boolean }).isLocalTo;
  return typeof local === "function" && local.call(future, rt);
}

/** @internal Describes a future for listings and errors. */
export function describeFuture(future: Future<unknown> | null): string {
  if (future === null) return "nothing";
  const d = (future as { describe?: () => string }).describe;
  return typeof d === "function" ? d.call(future) : "a future";
}
