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
 * One request, one `Exchange` (exchange.ts: Node's response object extended
 * with the lazy web `Request` and the task). Its lifetime has two ends that
 * are tracked apart:
 * - the task (in the in-flight list until its body ends): the handler and the
 *   writing of the response;
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
import { createServer as createSecureServer } from "node:https";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { isCoroutine } from "../core/body.js";
import { withCleanup } from "../core/cleanup.js";
import { cur } from "../core/current.js";
import { TimeoutError } from "../core/errors.js";
import type { Context, Coroutine, Future, Pending, Waker } from "../core/future.js";
import { CANCEL_TOKEN, PENDING, pollFn, UNWIND } from "../core/future.js";
import type { Runtime } from "../core/runtime.js";
import { Task } from "../core/task.js";
import type { TaskGroup } from "../core/task-group.js";
import { taskGroup } from "../core/task-group.js";
import { TcpListener } from "../net/listener.js";
import { checkServerTls, secureContextError, type TlsServerOptions } from "../net/tls.js";
import { type NetAddress, requireNodeNetwork } from "../net/transport.js";
import { checkDuration } from "../time/duration.js";
import { timeout } from "../time/timeout.js";
import { Exchange } from "./exchange.js";
import { BodyTooLargeError, type Limits, nodeServerOptions, resolveLimits } from "./limits.js";
import { waitOutside } from "./outside.js";
import { sendFast, sendStream } from "./respond.js";

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
  /**
   * Serve on this already bound TCP listener from `listen` instead of
   * binding `host`/`port` (so the port is known before serving starts).
   * `serve` takes it over: `accept()` on it fails from then on, connections
   * it had queued are served, and it is closed when `serve` ends. It must be
   * over Node's sockets (serve runs on `node:http`), not a memory or
   * simulated network's. A listener made with `listen({tls})` serves HTTPS.
   */
  listener?: TcpListener<NetAddress>;
  /**
   * Serve HTTPS with this key and certificate (on `node:https`); request
   * URLs are `https://`. A client's TLS handshake must finish within
   * `headersTimeoutMs`.
   */
  tls?: TlsServerOptions;
  /**
   * The largest request body accepted, in bytes. A larger declared
   * `Content-Length` is answered 413 before any handler runs; a chunked body
   * that grows past it makes `text`/`json`/`bytes` (and `req.body`) throw
   * `BodyTooLargeError`, answered 413 unless the handler answers itself, and
   * the connection is closed without reading on. `Infinity`: no limit.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
  /**
   * How long a client may take to send a request's headers, from the moment
   * it connects or starts the request (then 408 and the connection closes):
   * against slowloris.
   * @default 10000
   */
  headersTimeoutMs?: number;
  /**
   * How long a client may take to send a whole request, body included (then
   * 408): against slow uploads. At least `headersTimeoutMs`.
   * @default 30000
   */
  requestTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection is kept for the client's next
   * request.
   * @default 5000
   */
  keepAliveTimeoutMs?: number;
  /** The largest header block accepted, in bytes (then 431). @default 16384 */
  maxHeaderBytes?: number;
  /**
   * The most connections open at once; further ones are closed as they
   * arrive. Bounded in practice by the process's file descriptors.
   * @default Infinity
   */
  maxConnections?: number;
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

class HttpServer {
  readonly limits: Limits;
  readonly #node: Server;
  /** The listener `serve` was given, until it is taken over in `listen()`. */
  readonly #given: TcpListener<NetAddress> | null;
  /** The Node server that owns the listening socket: `#node`, or the given listener's. */
  #acceptor: NetServer;
  #scheme: "http" | "https";
  readonly #group: TaskGroup;
  readonly #rt: Runtime;
  readonly #handler: Handler;
  readonly #onError: ServeOptions["onError"];
  readonly #host: string;
  readonly #port: number;
  #phase = SERVING;
  /** "http://host:port" of the bound address, for requests without a usable Host header. */
  #origin = "";
  /**
   * Exchanges whose task is running: a list through their own links (no Set:
   * a Set gives each exchange an identity hash and rehashes as it churns).
   */
  #inFlight: Exchange | null = null;
  #inFlightCount = 0;
  /** The in-flight list as a map by task, built when task names are read; dropped when the list changes. */
  #byTask: Map<Task<unknown>, Exchange> | null = null;
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
    const limits = resolveLimits(options); // (checked already by serve())
    this.limits = limits;
    this.#given = options.listener ?? null;
    // Node makes each response an Exchange (exchange.ts).
    const nodeOptions = {
      ...nodeServerOptions(limits),
      ServerResponse: Exchange as unknown as typeof ServerResponse,
    };
    const tls = options.tls;
    const node =
      tls === undefined
        ? createServer(nodeOptions, this.#onRequest)
        : secureServer(
            {
              ...tls,
              ...nodeOptions,
              // The handshake comes before the headers: the same deadline (Node's default is 2 minutes).
              handshakeTimeout: nodeOptions.headersTimeout || 120_000,
            },
            this.#onRequest,
          );
    node.keepAliveTimeout = nodeOptions.keepAliveTimeout;
    // Expect: 100-continue — refuse a too-large declared body before the client sends it.
    node.on("checkContinue", this.#onCheckContinue);
    this.#node = node;
    this.#acceptor = node;
    this.#scheme = tls === undefined ? "http" : "https";
    if (Number.isFinite(limits.maxConnections)) node.maxConnections = limits.maxConnections;
    // Request tasks are named "GET /path" when a name is read (see #nameOf).
    Task._nameChildren(cur.task as Task<unknown>, (task) => this.#nameOf(task));
  }

  // ------------------------------------------------------------ listening

  /** Binds the socket, or takes over the listener given; returns the bound address. */
  *listen(): Coroutine<Address> {
    if (this.#given !== null) return this.#takeOver(this.#given);
    requireNodeNetwork(`serve() on ${this.#host}:${this.#port}`);
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
    return this.#bound(address, port);
  }

  #bound(host: string, port: number): Address {
    this.#origin = `${this.#scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
    return { host, port };
  }

  /**
   * Serves on a listener from `listen`: its Node server keeps accepting, and
   * each connection (after its TLS handshake, for a TLS listener) is handed
   * to the HTTP server as if that had accepted it.
   */
  #takeOver(listener: TcpListener<NetAddress>): Address {
    const node = this.#node;
    const { server, secure } = listener._takeOver("serve({listener})", (socket: Socket) => {
      node.emit("connection", socket);
      socket.resume(); // a plain listener pauses new sockets; Node's parser reads from here
    });
    this.#acceptor = server;
    if (secure) this.#scheme = "https";
    const limit = this.limits.maxConnections;
    if (Number.isFinite(limit)) server.maxConnections = limit;
    this.#rt._externalStart();
    this.#holdsExternal = true;
    this.#listening = "yes";
    const { host, port } = listener.address;
    return this.#bound(host, port);
  }

  /** Pending while the server runs; throws the server's error if it fails. */
  failed() {
    const node = this.#acceptor;
    return waitOutside<never>(`serve ${this.#origin}`, (settle) => {
      node.on("error", settle);
      return () => node.off("error", settle);
    });
  }

  // ------------------------------------------------------------ requests

  get maxBodyBytes(): number {
    return this.limits.maxBodyBytes;
  }

  // (`res` is an Exchange: Node made it, from the `ServerResponse` option.)
  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const x = res as Exchange;
    this.#open++;
    x._open(this, req, this.#scheme, this.#origin);
    if (this.#phase !== SERVING) {
      x.writeHead(503, { "content-length": "0", connection: "close" });
      x.end();
      return;
    }
    if (x.request.declaredLength > this.limits.maxBodyBytes) {
      // Refused unread; closing the connection stops the client sending the rest.
      tooLarge(x, this.limits.maxBodyBytes);
      return;
    }
    this.#addInFlight(x);
    // The task's name ("GET /path") is given only if a tracer must see it at
    // spawn; otherwise #nameOf answers when a listing asks (no string per request).
    const name = this.#rt._hooks === null ? undefined : { name: requestName(x) };
    x.task = this.#group.spawn(this.#exchange(x), name);
    this.#byTask = null; // (a map built before the line above would lack this task)
  };

  /**
   * The name of a request's task, for listings and errors: found through the
   * in-flight list, by a map built on the first read and kept until the list
   * changes (a listing of n requests reads n names: one map, not n walks).
   */
  #nameOf(task: Task<unknown>): string | undefined {
    let byTask = this.#byTask;
    if (byTask === null) {
      byTask = new Map();
      for (let x = this.#inFlight; x !== null; x = x._inFlightNext) {
        if (x.task !== null) byTask.set(x.task, x);
      }
      this.#byTask = byTask;
    }
    const x = byTask.get(task);
    return x === undefined ? undefined : requestName(x);
  }

  #addInFlight(x: Exchange): void {
    this.#byTask = null;
    const head = this.#inFlight;
    x._inFlightNext = head;
    if (head !== null) head._inFlightPrev = x;
    this.#inFlight = x;
    this.#inFlightCount++;
  }

  #removeInFlight(x: Exchange): void {
    this.#byTask = null;
    const prev = x._inFlightPrev;
    const next = x._inFlightNext;
    if (prev === null) this.#inFlight = next;
    else prev._inFlightNext = next;
    if (next !== null) next._inFlightPrev = prev;
    x._inFlightPrev = null;
    x._inFlightNext = null;
    this.#inFlightCount--;
  }

  /** `Expect: 100-continue`: a declared body over the limit is refused before it is sent. */
  readonly #onCheckContinue = (req: IncomingMessage, res: ServerResponse): void => {
    const length = Number(req.headers["content-length"]);
    if (length > this.limits.maxBodyBytes) {
      this.#open++;
      res.on("close", () => this._responseClosed());
      tooLarge(res, this.limits.maxBodyBytes);
      return;
    }
    res.writeContinue();
    this.#onRequest(req, res);
  };

  /** The body of a request's task: run the handler, send its answer. */
  *#exchange(x: Exchange): Coroutine<void> {
    let settled = false; // false while unwinding a cancellation
    try {
      const handler = this.#handler; // called without a `this`
      let result: unknown = handler(x.request.forHandler());
      // (The duck check, not the brand check: the handler is one function for
      // the server's life, so these loads see one hidden class and are cheap,
      // where Object.getPrototypeOf on a generator calls into V8's runtime.)
      if (isCoroutine(result)) {
        // `delegate(result)` without its generator: a cancellation whose
        // cleanup suspended inside the handler returns CANCEL_TOKEN here,
        // and goes on unwinding.
        result = yield* result as Coroutine<unknown>;
        if (result === CANCEL_TOKEN) yield* UNWIND;
      }
      if (!(result instanceof Response)) throw badResult(result);
      const close = this.#phase !== SERVING || x.mustClose;
      if (!sendFast(x, result, close)) yield* sendStream(x, result, close);
      settled = true;
    } catch (error) {
      settled = true;
      this.#failed(x, error);
    } finally {
      if (!settled) {
        // Cancelled: by the client (nothing to answer) or by the shutdown.
        const res = x;
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(503, { "content-length": "0", connection: "close" });
          res.end();
        } else if (!res.writableEnded) {
          cut(res);
        }
      }
      // Children left running are cancelled once the body ends, and the task
      // waits for them: it leaves the in-flight list, so it takes its name now.
      const task = x.task;
      if (task?._hasChildren) task._extras().name ??= requestName(x);
      this.#removeInFlight(x); // (last: the task is named through the list until here)
      this.#changed();
    }
  }

  /** A handler failed: report it, answer 500 (or cut a response already under way). */
  #failed(x: Exchange, error: unknown): void {
    const res = x;
    if (error instanceof BodyTooLargeError && x.mustClose) {
      // Not the handler's fault: the client sent too much. Answer 413, report nothing.
      if (!res.headersSent && !res.destroyed) tooLarge(res, error.limit);
      else if (!res.writableEnded) cut(res);
      return;
    }
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
      const acceptor = this.#acceptor;
      if (!acceptor.listening) {
        node.close(); // never listened (or failed to): this stops its connection-checking timer
        return;
      }
      // Stop accepting now; Node calls back once the last connection is gone
      // (the acceptor counts them: the given listener's server when there is one).
      let isClosed = false;
      let onClosed: (() => void) | null = null;
      acceptor.close(() => {
        isClosed = true;
        onClosed?.();
      });
      // (With a given listener, this only stops the HTTP server's timers.)
      if (acceptor !== node) node.close();
      node.closeIdleConnections();
      if (graceMs > 0 && this.#inFlightCount > 0) {
        yield* within(
          graceMs,
          this.#until(() => this.#inFlightCount === 0, "requests to finish"),
        );
      }
      // (Cancelling only marks a task; it leaves the list when its body ends, later.)
      for (let x = this.#inFlight; x !== null; x = x._inFlightNext) {
        x.task?.cancel("the server is shutting down");
      }
      yield* this.#until(() => this.#inFlightCount === 0, "cancelled requests to end");
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

function secureServer(
  options: object,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
) {
  try {
    return createSecureServer(options, onRequest);
  } catch (error) {
    throw secureContextError(error, "serve({tls})");
  }
}

/** A request task's name: "GET /path". */
function requestName(x: Exchange): string {
  return `${x.req.method} ${x.req.url}`;
}

/** Answers 413 and closes the connection, so the client stops sending the body. */
function tooLarge(res: ServerResponse, limit: number): void {
  const body = `Payload Too Large: the body is over ${limit} bytes\n`;
  res.writeHead(413, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
  });
  res.end(body);
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
  resolveLimits(options);
  if (options.tls !== undefined) checkServerTls(options.tls, "serve()");
  const listener = options.listener;
  if (listener !== undefined) {
    if (!(listener instanceof TcpListener)) {
      throw new TypeError(
        "serve(): options.listener must be a TcpListener from listen({ host, port })",
      );
    }
    if (host !== undefined || port !== undefined) {
      throw new TypeError(
        "serve(): give either options.listener or options.host/port, not both (the listener is already bound)",
      );
    }
    if (options.tls !== undefined) {
      throw new TypeError(
        "serve(): with options.listener, TLS belongs to the listener: listen({ ..., tls: { key, cert } })",
      );
    }
  }
  return serveGroup(options, handler, shutdownTimeout);
}

function* serveGroup(options: ServeOptions, handler: Handler, grace: number): Coroutine<never> {
  // Never cancelled through group.cancel(), so never `undefined`.
  return (yield* taskGroup(function* (group) {
    const server = new HttpServer(group, options, handler);
    function* listenAndServe(): Coroutine<never> {
      const address = yield* server.listen();
      options.onListen?.(address);
      return yield* server.failed();
    }
    // However serving ends, the shutdown runs to its end (withCleanup shields it).
    return yield* withCleanup(listenAndServe(), () => server.shutdown(grace));
  })) as never;
}
