/**
 * `fetch`: Node's global `fetch` as a future that can be cancelled.
 *
 * A Promise-returning `fetch` cannot be stopped by whoever awaits it; here the
 * future owns an AbortController, and dropping the future (its task is
 * cancelled, or a `race`/`timeout` lets go of it) aborts the request: the
 * connection is closed and the server sees the client leave. A response that
 * arrived but was never handed over (the task was cancelled between the wake
 * and its next step) is aborted too, so its body does not hold a connection.
 */

import { cur } from "../core/current.js";
import { CancelledError } from "../core/errors.js";
import type { Context, Future, Pending, Waker } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import type { Runtime } from "../core/runtime.js";

const NEW = 0;
const WAITING = 1;
const FULFILLED = 2;
const REJECTED = 3;
const TAKEN = 4;
const DROPPED = 5;

class FetchFuture extends FutureBase<Response> {
  #input: string | URL | Request;
  #init: RequestInit | undefined;
  #state = NEW;
  #value: unknown = undefined;
  #waker: Waker | null = null;
  #controller: AbortController | null = null;
  #rt: Runtime | null = null;

  constructor(input: string | URL | Request, init: RequestInit | undefined) {
    super();
    this.#input = input;
    this.#init = init;
  }

  poll(cx: Context): Response | Pending {
    switch (this.#state) {
      case FULFILLED:
        this.#state = TAKEN;
        return this.#value as Response;
      case REJECTED:
        this.#state = TAKEN;
        throw this.#value;
      case WAITING:
        this.#waker = cx.waker;
        return PENDING;
    }
    const controller = new AbortController();
    this.#controller = controller;
    const init = this.#init;
    const own = init?.signal;
    const signal =
      own === undefined || own === null
        ? controller.signal
        : AbortSignal.any([own, controller.signal]);
    let promise: Promise<Response>;
    try {
      promise = globalThis.fetch(this.#input, { ...init, signal });
    } catch (error) {
      this.#state = TAKEN;
      throw error;
    }
    this.#state = WAITING;
    this.#waker = cx.waker;
    this.#rt = cur.rt;
    this.#rt?._externalStart();
    promise.then(
      (response) => this.#settle(FULFILLED, response),
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
    const state = this.#state;
    if (state === WAITING) this.#rt?._externalEnd();
    if (state === WAITING || state === FULFILLED) {
      this.#controller?.abort(new CancelledError(undefined, "fetch() was cancelled"));
    }
    this.#state = DROPPED;
    this.#waker = null;
    this.#value = undefined;
  }

  override describe(): string {
    const input = this.#input;
    const method = this.#init?.method ?? (input instanceof Request ? input.method : "GET");
    const url = input instanceof Request ? input.url : String(input);
    return `fetch ${method} ${url}`;
  }
}

/**
 * Starts an HTTP request with Node's global `fetch` and waits for the
 * response's status and headers. Read the body with `yield* text(res)`,
 * `json(res)` or `bytes(res)` (cancellable too), or let it go with
 * `res.body?.cancel()`.
 *
 * Cancellation: the request is aborted (the connection is closed; the server
 * sees its client go away); nothing is returned. `init.signal`, if given, can
 * abort it as well.
 * Throws: as `fetch` does — a `TypeError("fetch failed")` whose `cause` has
 * Node's `.code` (`ECONNREFUSED`, ...) for network errors, the signal's reason
 * if `init.signal` aborts. An HTTP error status is not an error: check
 * `res.ok`.
 *
 * @example
 * const res = yield* fetch(`http://127.0.0.1:${port}/hello`);
 * const body = yield* text(res);
 * const page = yield* timeout(5000, fetch(url)); // aborted after 5 s
 */
export function fetch(input: string | URL | Request, init?: RequestInit): Future<Response> {
  if (typeof input !== "string" && !(input instanceof URL) && !(input instanceof Request)) {
    throw new TypeError("fetch(input, init): input must be a URL string, a URL or a Request");
  }
  return trackCreation(new FetchFuture(input, init));
}
