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

import { call } from "../core/call.js";
import { CancelledError } from "../core/errors.js";
import type { Context, Future, Pending } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { requireNodeNetwork } from "../net/transport.js";

/**
 * `call()` over the fetch Promise, plus the one thing `call()` cannot do: abort
 * a response that arrived but was never handed over.
 */
class FetchFuture extends FutureBase<Response> {
  readonly #input: string | URL | Request;
  readonly #init: RequestInit | undefined;
  /** Aborts the request; made at the first poll, when the request starts. */
  #controller: AbortController | null = null;
  /** The wait for the response (status and headers). */
  #response: Future<Response> | null = null;
  /** The response was handed over: it is its holder's now, not ours to abort. */
  #taken = false;

  constructor(input: string | URL | Request, init: RequestInit | undefined) {
    super();
    this.#input = input;
    this.#init = init;
  }

  poll(cx: Context): Response | Pending {
    let response = this.#response;
    if (response === null) {
      requireNodeNetwork("fetch()");
      const controller = new AbortController();
      this.#controller = controller;
      const init = this.#init;
      const own = init?.signal;
      const signal =
        own === undefined || own === null
          ? controller.signal
          : AbortSignal.any([own, controller.signal]);
      response = call(globalThis.fetch(this.#input, { ...init, signal }));
      this.#response = response;
    }
    const r = response.poll(cx);
    if (r !== PENDING) this.#taken = true;
    return r;
  }

  cancel(): void {
    this.#response?.cancel?.();
    this.#response = null;
    if (!this.#taken) {
      this.#controller?.abort(new CancelledError(undefined, "fetch() was cancelled"));
    }
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
