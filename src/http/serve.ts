/**
 * `serve`: an HTTP server whose requests are tasks.
 *
 * The model
 * ---------
 * `serve` runs a task group. Its body owns a Node `http.Server` (the fastest
 * HTTP/1.1 base in JavaScript) and waits until it is cancelled; every request
 * Node parses becomes a child task of the group (spawned straight from Node's
 * `request` callback, no hop through a queue), which runs the handler and
 * writes the `Response` it returns. So a slow handler holds up nobody, and the
 * task tree shows each request in flight ("GET /path").
 *
 * One request, one `Exchange`: Node's `req`/`res`, the lazy web `Request`,
 * the task. Its lifetime has two ends that are tracked apart:
 * - the task (in `#inFlight` until its body ends): the handler and the writing
 *   of the response;
 * - the response (counted in `#open` until Node's `close` event on `res`):
 *   bytes handed to the socket. Node emits `close` when the response was sent
 *   whole, or when the connection died first; the second case cancels the task
 *   (the client went away).
 *
 * Phases: SERVING ──cancel / server error──▶ DRAINING ──▶ CLOSED.
 * SERVING spawns a task per request. DRAINING (the group body's `finally`):
 * the listening socket is closed and idle keep-alive connections with it; a
 * request arriving on a connection still open gets 503 without a task; the
 * requests in flight have `shutdownTimeout` ms to finish (their responses carry
 * `Connection: close`), then are cancelled; responses already written get up
 * to FLUSH_MS more to reach their clients; then every connection is closed and
 * the server's own `close` is awaited. CLOSED: nothing of the server is left
 * (no handle, no listener).
 *
 * Outside work: from the first `listen` to the server's `close` the server
 * holds one unit of the runtime's external count, so no deadlock is reported
 * while it waits for clients and a virtual clock does not jump under it.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isCoroutine } from "../core/body.js";
import { cur } from "../core/current.js";
import { TimeoutError } from "../core/errors.js";
import type { Context, Coroutine, Future, Pending, Waker } from "../core/future.js";
import { CANCEL_TOKEN, PENDING, pollFn, UNWIND } from "../core/future.js";
import type { Runtime } from "../core/runtime.js";
import { shield } from "../core/spawn.js";
import type { Task } from "../core/task.js";
import type { TaskGroup } from "../core/task-group.js";
import { taskGroup } from "../core/task-group.js";
import { checkDuration } from "../time/duration.js";
import { timeout } from "../time/timeout.js";
import { waitOutside } from "./outside.js";
import { sendFast, sendStream } from "./respond.js";
import { ServerRequest } from "./server-request.js";

/** Where a server listens: the address it actually bound. */
export interface Address {
  host: string;
  port: number;
}

/** A request handler: a coroutine function from `Request` to `Response`. */
export type Handler = (request: Request) => Coroutine<Response> | Response;

/** Options for `serve`. */
export interface ServeOptions {
  /** The interface to listen on (a hostname resolves as Node's `listen` does). @default "127.0.0.1" */
  host?: string;
  /** The TCP port; 0 picks a free one (learn it from `onListen`). @default 0 */
  port?: number;
  /** Called once the server is listening, with the address it bound. */
  onListen?: (address: Address) => void;
  /**
   * Called with the error of a handler that threw (its client got a 500) and
   * the request. If it throws, the server fails with that error.
   * @default prints the error to stderr
   */
  onError?: (error: unknown, request: Request) => void;
  /**
   * When the server is cancelled: how long requests in flight may take to
   * finish on their own, in milliseconds, before they are cancelled. `Infinity`
   * waits for them however long they take.
   * @default 0 (cancel them at once)
   */
  shutdownTimeout?: number;
}

/** How long written responses may take to reach their clients at shutdown. */
const FLUSH_MS = 1000;

const SERVING = 0;
const DRAINING = 1;
const CLOSED = 2;

/** One request: Node's halves, the web Request, and the task that answers it. */
class Exchange {
  task: Task<void> | null = null;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly request: ServerRequest;
  readonly #server: HttpServer;

  constructor(server: HttpServer, req: IncomingMessage, res: ServerResponse, origin: string) {
    this.#server = server;
    this.req = req;
    this.res = res;
    this.request = new ServerRequest(req, origin, this);
  }

  /** The request's abort signal is its task's: aborted when the task is cancelled. */
  get signal(): AbortSignal {
    return (this.task as Task<void>).signal;
  }

  /** Node's `close` on the response: delivered, or the connection died first. */
  closed(): void {
    if (!this.res.writableFinished) this.task?.cancel("the client closed the connection");
    this.#server._responseClosed();
  }
}

// The response's `close` listener, one function for all (no closure per
// request): the exchange rides on the response under a private symbol.
const EXCHANGE: unique symbol = Symbol("corio.http.exchange");
type Tagged = ServerResponse & { [EXCHANGE]: Exchange };
function onResponseClose(this: ServerResponse): void {
  (this as Tagged)[EXCHANGE].closed();
}

class HttpServer {
  readonly #node: Server;
  readonly #group: TaskGroup;
  readonly #rt: Runtime;
  readonly #handler: Handler;
  readonly #onError: ServeOptions["onError"];
  readonly #host: string;
  readonly #port: number;
  #phase = SERVING;
  /** "http://host:port" of the bound address, for requests without a usable Host header. */
  #origin = "";
  /** Exchanges whose task is running. */
  readonly #inFlight = new Set<Exchange>();
  /** Responses Node has not closed yet (sent whole or aborted). */
  #open = 0;
  /** The shutdown's waker while it waits for the counts above to fall. */
  #waker: Waker | null = null;
  #listening: "no" | "pending" | "yes" = "no";
  #holdsExternal = false;

  constructor(group: TaskGroup, options: ServeOptions, handler: Handler) {
    this.#group = group;
    this.#rt = cur.rt as Runtime;
    this.#handler = handler;
    this.#onError = options.onError;
    this.#host = options.host ?? "127.0.0.1";
    this.#port = options.port ?? 0;
    this.#node = createServer(this.#onRequest);
  }

  get closing(): boolean {
    return this.#phase !== SERVING;
  }

  // ------------------------------------------------------------ listening

  /** Binds the socket; returns the bound address. */
  *listen(): Coroutine<Address> {
    this.#rt._externalStart();
    this.#holdsExternal = true;
    this.#listening = "pending";
    const node = this.#node;
    yield* waitOutside<void>(`listen http ${this.#host}:${this.#port}`, (settle) => {
      const onListening = (): void => {
        this.#listening = "yes";
        settle(null);
      };
      const onError = (error: Error): void => {
        this.#listening = "no";
        settle(error);
      };
      node.once("listening", onListening);
      node.once("error", onError);
      node.listen(this.#port, this.#host);
      return () => {
        node.off("listening", onListening);
        node.off("error", onError);
      };
    });
    const { address, port } = node.address() as AddressInfo;
    this.#origin = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
    return { host: address, port };
  }

  /** Pending while the server runs; throws the server's error if it fails. */
  failed() {
    const node = this.#node;
    return waitOutside<never>(`serve ${this.#origin}`, (settle) => {
      node.on("error", settle);
      return () => node.off("error", settle);
    });
  }

  // ------------------------------------------------------------ requests

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.#open++;
    const x = new Exchange(this, req, res, this.#origin);
    (res as Tagged)[EXCHANGE] = x;
    res.on("close", onResponseClose);
    if (this.#phase !== SERVING) {
      res.writeHead(503, { "content-length": "0", connection: "close" });
      res.end();
      return;
    }
    this.#inFlight.add(x);
    x.task = this.#group.spawn(this.#exchange(x), { name: `${req.method} ${req.url}` });
  };

  /** The body of a request's task: run the handler, send its answer. */
  *#exchange(x: Exchange): Coroutine<void> {
    let settled = false; // false while unwinding a cancellation
    try {
      const handler = this.#handler; // called without a `this`
      let result: unknown = handler(x.request.forHandler());
      if (isCoroutine(result)) {
        result = yield* result as Coroutine<unknown>;
        // The handler's cleanup suspended during a cancellation: go on unwinding.
        if (result === CANCEL_TOKEN) yield* UNWIND;
      }
      if (!(result instanceof Response)) throw badResult(result);
      if (!sendFast(x.res, result, this.closing)) yield* sendStream(x.res, result, this.closing);
      settled = true;
    } catch (error) {
      settled = true;
      this.#failed(x, error);
    } finally {
      this.#inFlight.delete(x);
      if (!settled) {
        // Cancelled: by the client (nothing to answer) or by the shutdown.
        const res = x.res;
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(503, { "content-length": "0", connection: "close" });
          res.end();
        } else if (!res.writableEnded) {
          cut(res);
        }
      }
      this.#changed();
    }
  }

  /** A handler failed: report it, answer 500 (or cut a response already under way). */
  #failed(x: Exchange, error: unknown): void {
    const res = x.res;
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(500, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": "21",
      });
      res.end("Internal Server Error");
    } else if (!res.writableEnded) {
      cut(res);
    }
    const onError = this.#onError;
    if (onError !== undefined) onError(error, x.request.forHandler());
    else console.error(`corio/http: the handler failed on ${x.req.method} ${x.req.url}:`, error);
  }

  /** @internal A response's `close` event. */
  _responseClosed(): void {
    this.#open--;
    this.#changed();
  }

  #changed(): void {
    const waker = this.#waker;
    if (waker !== null) {
      this.#waker = null;
      waker.wake();
    }
  }

  /** Ready when `done()` holds; re-checked whenever a request or response ends. */
  #until(done: () => boolean, label: string) {
    return pollFn<void>(
      (cx: Context): undefined | Pending => {
        if (done()) return undefined;
        this.#waker = cx.waker;
        return PENDING;
      },
      () => {
        this.#waker = null;
      },
      label,
    );
  }

  // ------------------------------------------------------------ shutdown

  /** Stops accepting, lets requests finish or cancels them, closes every connection. */
  *shutdown(graceMs: number): Coroutine<void> {
    this.#phase = DRAINING;
    const node = this.#node;
    try {
      if (this.#listening === "pending") {
        // A hostname being resolved: let the listen settle, or it would bind after we close.
        yield* waitOutside<void>("listen to settle", (settle) => {
          const done = (): void => settle(null);
          node.once("listening", done);
          node.once("error", done);
          return () => {
            node.off("listening", done);
            node.off("error", done);
          };
        });
      }
      if (!node.listening) return;
      // Stop accepting now; Node calls back once the last connection is gone.
      let isClosed = false;
      let onClosed: (() => void) | null = null;
      node.close(() => {
        isClosed = true;
        onClosed?.();
      });
      node.closeIdleConnections();
      const inFlight = this.#inFlight;
      if (graceMs > 0 && inFlight.size > 0) {
        yield* within(
          graceMs,
          this.#until(() => inFlight.size === 0, "requests to finish"),
        );
      }
      for (const x of inFlight) x.task?.cancel("the server is shutting down");
      yield* this.#until(() => inFlight.size === 0, "cancelled requests to end");
      yield* within(
        FLUSH_MS,
        this.#until(() => this.#open === 0, "responses to be sent"),
      );
      node.closeAllConnections();
      yield* waitOutside<void>(`close ${this.#origin}`, (settle) => {
        if (isClosed) settle(null);
        else onClosed = () => settle(null);
        return () => {
          onClosed = null;
        };
      });
    } finally {
      this.#phase = CLOSED;
      if (this.#holdsExternal) {
        this.#holdsExternal = false;
        this.#rt._externalEnd();
      }
    }
  }
}

/**
 * Ends a response that cannot be completed (its body failed or was cancelled
 * half-way): the bytes written so far go out, then the connection is reset, so
 * the client sees a truncated message rather than one that looks whole. (Node
 * corks the socket for a tick after each write; destroying it first would drop
 * them.)
 */
function cut(res: ServerResponse): void {
  const socket = res.socket;
  if (socket !== null) while (socket.writableCorked > 0) socket.uncork();
  res.destroy();
}

/** Waits for `future` at most `ms`. */
function* within(ms: number, future: Future<void>): Coroutine<void> {
  try {
    yield* timeout(ms, future);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
  }
}

function badResult(result: unknown): TypeError {
  if (result instanceof Promise) {
    return new TypeError(
      "serve(): the handler returned a Promise; a handler is a generator function (function*) returning a Response — wait on promises inside it with `yield* call(promise)`",
    );
  }
  const what = result === null ? "null" : typeof result === "object" ? "an object" : typeof result;
  return new TypeError(`serve(): the handler must return a Response, got ${what}`);
}

/**
 * Serves HTTP/1.1: every request runs `handler` in a task of its own, a child
 * of the server, and gets the `Response` it returns. The handler receives a
 * web `Request` whose `url` is absolute (`http://host:port/path`, from the
 * Host header) and whose `signal` is aborted when the request's task is
 * cancelled. Bodies may stream both ways: a `ReadableStream` response body is
 * piped with backpressure. Runs until cancelled (or until the server fails).
 *
 * - A handler that throws (or returns something that is not a `Response`):
 *   its client gets 500, the error goes to `onError`, serving goes on.
 * - A client that disconnects before its response is sent: the request's task
 *   is cancelled (its `finally` blocks run; a streamed body is cancelled).
 *
 * Cancellation: graceful, bounded by `shutdownTimeout` (default 0). The server
 * stops accepting at once and closes idle connections; requests in flight get
 * `shutdownTimeout` ms to finish (their responses say `Connection: close`),
 * then are cancelled (a client whose response had not started gets 503);
 * responses already written get up to 1 s more to reach their clients; then
 * every connection is closed. `serve` ends after all that: no task, socket or
 * listener of the server is left.
 * Throws: the listen error (`EADDRINUSE`, `EACCES`, ... with Node's `.code`);
 * a `TypeError` at the call for bad options; whatever `onError` throws.
 *
 * @example
 * yield* serve({ port: 0, onListen: ({ port }) => console.log(`on ${port}`) },
 *   function* (req) {
 *     const { pathname } = new URL(req.url);
 *     if (pathname !== "/") return new Response("not found", { status: 404 });
 *     yield* sleep(10);
 *     return new Response("hello\n");
 *   });
 */
export function serve(options: ServeOptions, handler: Handler): Coroutine<never> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("serve(options, handler): options must be an object ({ host, port, ... })");
  }
  if (typeof handler !== "function") {
    throw new TypeError(
      "serve(options, handler): handler must be a function* (request) => Response",
    );
  }
  const { host, port, onListen, onError, shutdownTimeout = 0 } = options;
  if (host !== undefined && typeof host !== "string") {
    throw new TypeError(`serve(): options.host must be a string, got ${typeof host}`);
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new RangeError(`serve(): options.port must be an integer from 0 to 65535, got ${port}`);
  }
  for (const [name, fn] of [
    ["onListen", onListen],
    ["onError", onError],
  ] as const) {
    if (fn !== undefined && typeof fn !== "function") {
      throw new TypeError(`serve(): options.${name} must be a function`);
    }
  }
  checkDuration(shutdownTimeout, "serve(): options.shutdownTimeout", true);
  return serveGroup(options, handler, shutdownTimeout);
}

function* serveGroup(options: ServeOptions, handler: Handler, grace: number): Coroutine<never> {
  return yield* taskGroup(function* (group) {
    const server = new HttpServer(group, options, handler);
    let ended = false; // false while unwinding a cancellation
    try {
      const address = yield* server.listen();
      options.onListen?.(address);
      return yield* server.failed();
    } catch (error) {
      ended = true;
      throw error;
    } finally {
      // Shielded: cleanup entered by an error must not be cut short by a cancel.
      yield* shield(server.shutdown(grace));
      if (!ended) yield* UNWIND;
    }
  });
}
