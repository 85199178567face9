/**
 * The Promise bridge: `call()` waits on a Promise from a coroutine.
 *
 * While the promise is pending the runtime counts it as outside work: it does
 * not report a deadlock, and a virtual clock does not jump, because the promise
 * may still settle on its own.
 */
import { cur } from "./current.js";
import { CancelledError } from "./errors.js";
import type { Context, Future, Pending, Waker } from "./future.js";
import { FutureBase, PENDING } from "./future.js";
import { trackCreation } from "./instrument.js";
import type { Runtime } from "./runtime.js";

const NEW = 0;
const WAITING = 1;
const FULFILLED = 2;
const REJECTED = 3;
const DROPPED = 4;

type Source<T> = PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T> | T);

class CallFuture<T> extends FutureBase<T> {
  #source: Source<T> | null;
  #state = NEW;
  #value: unknown = undefined;
  #waker: Waker | null = null;
  #controller: AbortController | null = null;
  #rt: Runtime | null = null;

  constructor(source: Source<T>) {
    super();
    this.#source = source;
  }

  poll(cx: Context): T | Pending {
    switch (this.#state) {
      case FULFILLED:
        return this.#value as T;
      case REJECTED:
        throw this.#value;
      case WAITING:
        this.#waker = cx.waker;
        return PENDING;
    }
    const source = this.#source as Source<T>;
    this.#source = null;
    let promise: PromiseLike<T>;
    try {
      if (typeof source === "function") {
        this.#controller = new AbortController();
        promise = Promise.resolve(source(this.#controller.signal));
      } else {
        promise = source;
      }
    } catch (error) {
      this.#state = REJECTED;
      throw error;
    }
    this.#state = WAITING;
    this.#waker = cx.waker;
    this.#rt = cur.rt;
    this.#rt?._externalStart();
    promise.then(
      (value) => this.#settle(FULFILLED, value),
      (error) => this.#settle(REJECTED, error),
    );
    return PENDING;
  }

  #settle(state: number, value: unknown): void {
    if (this.#state !== WAITING) return;
    this.#state = state;
    this.#value = value;
    this.#rt?._externalEnd();
    const waker = this.#waker;
    this.#waker = null;
    waker?.wake();
  }

  cancel(): void {
    if (this.#state === WAITING) {
      this.#rt?._externalEnd();
      this.#controller?.abort(new CancelledError(undefined, "call() was cancelled"));
    }
    this.#state = DROPPED;
    this.#waker = null;
  }

  override describe(): string {
    return "call (a Promise)";
  }
}

/**
 * Waits for a Promise: `const res = yield* call(fetch(url))`. Given a function,
 * calls it at the first poll with an `AbortSignal` that is aborted if the
 * waiting task is cancelled, so the operation itself stops:
 * `yield* call((signal) => fetch(url, { signal }))`.
 *
 * Cancellation: the wait is dropped at once; with a function, its signal is
 * aborted (a plain Promise cannot be stopped and runs on unobserved).
 * Throws: whatever the promise rejects with.
 *
 * @example
 * const text = yield* call(async () => "from a promise");
 */
export function call<T>(
  source: PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T> | T),
): Future<T> {
  if (
    typeof source !== "function" &&
    (source === null ||
      typeof source !== "object" ||
      typeof (source as PromiseLike<T>).then !== "function")
  ) {
    throw new TypeError("call(): expected a Promise or a function (signal) => Promise");
  }
  return trackCreation(new CallFuture(source));
}
