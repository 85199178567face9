/**
 * One request to `serve`, as one object: Node's `ServerResponse`, extended
 * with the lazy web `Request`, the task that answers it and the links of the
 * server's list of requests in flight.
 *
 * Node builds it (the server's `ServerResponse` option names this class), so
 * a request costs one object where it took two, and the fields are in the
 * object's shape from its construction. Why that matters: the exchange used
 * to be a separate object hung on the response under a symbol, and a
 * property added to Node's response after its construction moved it to a new
 * hidden class and allocated it an out-of-object property array, on every
 * request.
 *
 * Lifetime: the task (from `start` until its body ends: the handler and the
 * writing of the response), and the response (until Node's `close` on it:
 * sent whole, or the connection died first — which cancels the task).
 */
import type { IncomingMessage } from "node:http";
import { ServerResponse } from "node:http";
import type { Task } from "../core/task.js";
import { ServerRequest } from "./server-request.js";

/** What an exchange needs of its server. */
export interface ExchangeOwner {
  /** The server's `maxBodyBytes`. */
  readonly maxBodyBytes: number;
  /** A response's `close` event (delivered, or its connection died). */
  _responseClosed(): void;
}

export class Exchange extends ServerResponse {
  #owner: ExchangeOwner | null = null;
  #request: ServerRequest | null = null;
  #task: Task<void> | null = null;
  /** The body went past the limit half-read: the connection cannot carry another request. */
  #mustClose = false;
  /** @internal The server's in-flight list (exchanges whose task runs). */
  _inFlightPrev: Exchange | null = null;
  /** @internal */
  _inFlightNext: Exchange | null = null;

  /**
   * @internal Called from the server's `request` event: attaches the web
   * request and starts listening for the response's `close`.
   * `scheme`/`origin`: see `ServerRequest`.
   */
  _open(owner: ExchangeOwner, req: IncomingMessage, scheme: string, origin: string): void {
    this.#owner = owner;
    this.#request = new ServerRequest(req, scheme, origin, this);
  }

  /**
   * Node's `close` on the response is caught here rather than by a listener:
   * `on("close", ...)` on every response cost ~500 instructions a request
   * (the listener record, and inline caches of `addListener` that every
   * emitter in the process shares, megamorphic). Node emits `close` on a
   * response through `emit` in every case (sent whole, or the connection died
   * first). `_ended` runs first, where the listener (the first one) ran.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "close") this._ended();
    return super.emit(event, ...args);
  }

  /** The lazy web request. */
  get request(): ServerRequest {
    return this.#request as ServerRequest;
  }

  /** The task answering the request, once started. */
  get task(): Task<void> | null {
    return this.#task;
  }

  set task(task: Task<void>) {
    this.#task = task;
  }

  /** True once a body read went past the limit: the connection must close after the answer. */
  get mustClose(): boolean {
    return this.#mustClose;
  }

  // ---------------------------------------------- RequestSource (the lazy request's needs)

  /** The request's abort signal is its task's: aborted when the task is cancelled. */
  get signal(): AbortSignal {
    return (this.#task as Task<void>).signal;
  }

  get maxBodyBytes(): number {
    return (this.#owner as ExchangeOwner).maxBodyBytes;
  }

  bodyTooLarge(): void {
    this.#mustClose = true;
  }

  /** @internal Node's `close` on the response: delivered, or the connection died first. */
  _ended(): void {
    if (!this.writableFinished) this.#task?.cancel("the client closed the connection");
    this.#owner?._responseClosed();
  }
}
