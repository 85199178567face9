/**
 * `listen` and `TcpListener`: a listening socket whose connections are taken
 * with `accept()`.
 *
 * The model
 * ---------
 * The transport accepts connections as they arrive (Node cannot stop
 * accepting short of closing the socket) and each becomes a `TcpStream` at
 * once, paused: it reads nothing until a task reads it. It waits in
 * `arrivals` until an `accept()` poll takes it; acceptors wait there in line
 * (arrivals.ts: a connection wakes the first, and a woken acceptor dropped
 * before its poll passes the wake-up on, so no connection waits while an
 * acceptor sleeps).
 *
 *   BINDING ──listening──▶ LISTENING ──close()──▶ CLOSED
 *      └──────error──────▶ FAILED
 *
 * `close()` stops listening and closes the queued connections nobody
 * accepted; connections already accepted belong to their holders and stay
 * open.
 */

import type { Context, Coroutine, Future, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import type { Waiter } from "../core/parking-lot.js";
import {
  openingSite,
  type ResourceEntry,
  resourceClosed,
  resourceOpened,
} from "../core/resources.js";
import type { Runtime } from "../core/runtime.js";
import type { Task } from "../core/task.js";
import { taskGroup } from "../core/task-group.js";
import { Arrivals } from "./arrivals.js";
import { codeError, formatAddress, ioError, type SystemError } from "./errors.js";
import { IoFuture } from "./io-future.js";
import { NodeListener } from "./node-transport.js";
import { TcpStream } from "./stream.js";
import { StreamCore } from "./stream-core.js";
import { checkServerTls, type TlsServerOptions } from "./tls.js";
import {
  currentTransport,
  type ListenerSink,
  type ListenTarget,
  type NetAddress,
  type RawListener,
  type RawStream,
  type SocketAddress,
  type StreamSink,
  type Transport,
  type UnixAddress,
} from "./transport.js";

/** Options for `listen` on TCP. */
export interface TcpListenOptions {
  /** The address to listen on; a hostname resolves as Node's `listen` does. @default "127.0.0.1" */
  host?: string;
  /** The port; 0 picks a free one (read it from `listener.address`). @default 0 */
  port?: number;
  /** The kernel's queue of connections not yet accepted by Node. @default 511 */
  backlog?: number;
  /** For an IPv6 host: do not also accept IPv4. @default false */
  ipv6Only?: boolean;
  /**
   * Serve TLS with this key and certificate (on `node:tls`): each accepted
   * stream is already through its handshake and reads and writes plaintext.
   * A client whose handshake fails never reaches `accept()`.
   */
  tls?: TlsServerOptions;
}

/** Options for `listen` on a Unix domain socket. */
export interface UnixListenOptions {
  /** The socket file's path (it must not exist). */
  path: string;
  /** @default 511 */
  backlog?: number;
}

/** Where `listen` listens: a TCP `{host, port}` or a Unix socket `{path}`. */
export type ListenOptions = TcpListenOptions | UnixListenOptions;

const BINDING = 0;
const LISTENING = 1;
const FAILED = 2;
const CLOSED = 3;

class ListenerCore implements ListenerSink {
  raw: RawListener | null = null;
  readonly external: boolean;
  readonly name: string;
  state = BINDING;
  failure: SystemError | null = null;
  bindWaker: Waker | null = null;
  readonly arrivals = new Arrivals<TcpStream>();
  /** Its entry in the runtime's open-resource registry (leak checks), or null. */
  leak: ResourceEntry | null = null;

  constructor(transport: Transport, name: string) {
    this.external = transport.external;
    this.name = name;
  }

  listening(): void {
    this.state = LISTENING;
    const w = this.bindWaker;
    this.bindWaker = null;
    w?.wake();
  }

  connection(raw: RawStream): StreamSink {
    const remote = raw.remoteAddress();
    const core = new StreamCore({
      readable: true,
      writable: true,
      external: this.external,
      linger: true,
      name:
        remote === null || "path" in remote ? `unix ${this.name}` : `tcp ${formatAddress(remote)}`,
    });
    core.raw = raw;
    if (this.state !== LISTENING) {
      queueMicrotask(() => core.abort()); // arrived as we closed
      return core;
    }
    this.arrivals.push(new TcpStream(core));
    return core;
  }

  error(error: Error): void {
    this.failure ??= ioError(error, `listen on ${this.name}`);
    if (this.state === BINDING) this.state = FAILED;
    const w = this.bindWaker;
    this.bindWaker = null;
    w?.wake();
    this.arrivals.wakeAll();
  }

  close(): void {
    resourceClosed(this.leak);
    if (this.state === CLOSED) return;
    const wasListening = this.state === LISTENING || this.state === BINDING;
    this.state = CLOSED;
    if (wasListening) this.raw?.close();
    const arrivals = this.arrivals;
    for (let s = arrivals.take(); s !== null; s = arrivals.take()) s.abort();
    arrivals.wakeAll();
  }
}

class ListenFuture<A extends SocketAddress> extends IoFuture<TcpListener<A>> {
  readonly #target: ListenTarget;
  readonly #site = openingSite();
  #core: ListenerCore | null = null;
  #done = false;

  constructor(target: ListenTarget) {
    super();
    this.#target = target;
  }

  poll(cx: Context): TcpListener<A> | Pending {
    let core = this.#core;
    if (core === null) {
      const transport = currentTransport();
      const t = this.#target;
      core = new ListenerCore(transport, describeTarget(t));
      this.#core = core;
      core.bindWaker = cx.waker;
      core.raw = transport.listen(t, core);
    }
    if (core.state === LISTENING) {
      this.settled();
      this.#done = true;
      const listener = new TcpListener<A>(core);
      core.leak = resourceOpened("listener", () => listener.toString(), this.#site);
      return listener;
    }
    if (core.failure !== null) {
      this.settled();
      this.#done = true;
      throw core.failure;
    }
    core.bindWaker = cx.waker;
    this.waiting(core.external);
    return PENDING;
  }

  protected override dropped(): void {
    const core = this.#core;
    if (core !== null && !this.#done) {
      core.bindWaker = null;
      core.close();
    }
  }

  override describe(): string {
    return `listen ${describeTarget(this.#target)}`;
  }
}

class AcceptFuture extends IoFuture<TcpStream> {
  readonly #core: ListenerCore;
  readonly #site = openingSite();
  #waiter: Waiter | null = null;

  constructor(core: ListenerCore) {
    super();
    this.#core = core;
  }

  poll(cx: Context): TcpStream | Pending {
    const core = this.#core;
    const arrivals = core.arrivals;
    const s = arrivals.take();
    if (s !== null) {
      arrivals.leave(this.#waiter);
      this.settled();
      s._opened(this.#site); // the caller owns it from here
      return s;
    }
    if (core.state === CLOSED || core.state === FAILED) {
      arrivals.leave(this.#waiter);
      this.settled();
      throw core.failure ?? closedError(core);
    }
    this.#waiter = arrivals.park(this.#waiter, cx.waker);
    this.waiting(core.external);
    return PENDING;
  }

  protected override dropped(): void {
    this.#core.arrivals.drop(this.#waiter);
  }

  override describe(): string {
    return `accept ${this.#core.name}`;
  }
}

function closedError(core: ListenerCore): SystemError {
  return codeError("ERR_LISTENER_CLOSED", `accept on ${core.name}: the listener is closed`);
}

class IncomingFuture extends IoFuture<IteratorResult<TcpStream, undefined>> {
  readonly #accept: AcceptFuture;
  readonly #core: ListenerCore;
  constructor(core: ListenerCore) {
    super();
    this.#core = core;
    this.#accept = new AcceptFuture(core);
  }
  poll(cx: Context): IteratorResult<TcpStream, undefined> | Pending {
    let s: TcpStream | Pending;
    try {
      s = this.#accept.poll(cx);
    } catch (error) {
      if (this.#core.state === CLOSED) return { done: true, value: undefined };
      throw error;
    }
    return s === PENDING ? s : { done: false, value: s };
  }
  protected override dropped(): void {
    this.#accept.cancel();
  }
  /** @internal As the accept it wraps (which does the counting). */
  override isLocalTo(rt: Runtime): boolean {
    return this.#accept.isLocalTo(rt);
  }
  override describe(): string {
    return this.#accept.describe();
  }
}

/** The connections of a listener as a stream: `recv()` until `done` (the listener closed). */
export interface Incoming {
  /**
   * The next connection, or `{done: true}` once the listener is closed.
   *
   * Cancellation: safe; a connection is taken only by a completed `recv`.
   * Throws: the listener's error.
   */
  recv(): Future<IteratorResult<TcpStream, undefined>>;
}

/** Handles one accepted connection in `TcpListener.serve`. */
export type ConnectionHandler = (conn: TcpStream) => Coroutine<unknown>;

/**
 * A listening socket, from `listen()`. Take connections with `accept()`,
 * `incoming()` or `serve()`; stop with `close()` (or `using`). `A` is the
 * kind of address: `NetAddress` after a TCP `listen`, `UnixAddress` after a
 * Unix one.
 */
export class TcpListener<A extends SocketAddress = SocketAddress> implements Disposable {
  readonly #core: ListenerCore;
  readonly #address: A;

  /** @internal Use `listen()`. */
  constructor(core: ListenerCore) {
    this.#core = core;
    this.#address = (core.raw as RawListener).address() as A;
  }

  /**
   * The address the listener bound: `{host, port}` with the real port when 0
   * was asked for (or `{path}` for a Unix socket).
   */
  get address(): A {
    return this.#address;
  }

  /**
   * @internal For `serve`: takes the Node server out from under this
   * listener. Connections it had queued and new ones go to `onSocket`; the
   * listener counts as closed from now on (its `accept()` fails) and the
   * caller closes the Node server. Throws a TypeError naming the problem for
   * a listener that is closed or not over Node's sockets.
   */
  _takeOver(where: string, onSocket: (socket: import("node:net").Socket) => void) {
    const core = this.#core;
    const raw = core.raw;
    if (!(raw instanceof NodeListener)) {
      throw new TypeError(
        `${where}: the listener is not a real socket (a memory or simulated network's): serve runs on node:http, so it needs a listener from listen() over Node's sockets`,
      );
    }
    if ("path" in this.#address) {
      throw new TypeError(`${where}: the listener is a Unix socket; serve takes a TCP listener`);
    }
    if (core.state !== LISTENING) {
      throw new TypeError(
        `${where}: the listener is ${core.state === CLOSED ? "closed (or already served)" : "not listening"}`,
      );
    }
    const server = raw.takeOver(onSocket);
    resourceClosed(core.leak); // serve owns the socket now, and closes it when it ends
    core.state = CLOSED; // its connections are serve's now; close() leaves the socket alone
    const arrivals = core.arrivals;
    for (let s = arrivals.take(); s !== null; s = arrivals.take()) {
      onSocket(s._detachNode() as import("node:net").Socket);
    }
    arrivals.wakeAll();
    return { server, secure: raw.secure };
  }

  /**
   * Waits for the next connection and returns it as a `TcpStream`, which the
   * caller now owns (close it, or declare it with `using`). Several tasks may
   * accept at once; each connection goes to one of them.
   *
   * Cancellation: safe. A cancelled accept took no connection; the next
   * accept gets it.
   * Throws: code ERR_LISTENER_CLOSED once the listener is closed; the
   * listener's error.
   *
   * @example
   * using conn = yield* listener.accept();
   */
  accept(): Future<TcpStream> {
    return trackCreation(new AcceptFuture(this.#core));
  }

  /**
   * The connections as a stream: `recv()` returns `{done: false, value: conn}`
   * per connection and `{done: true}` once the listener is closed, so a loop
   * ends cleanly when another task closes the listener.
   *
   * @example
   * const incoming = listener.incoming();
   * for (let r = yield* incoming.recv(); !r.done; r = yield* incoming.recv()) {
   *   spawn(() => handle(r.value));
   * }
   */
  incoming(): Incoming {
    const core = this.#core;
    return {
      recv: () => trackCreation(new IncomingFuture(core)),
    };
  }

  /**
   * Accepts connections until the listener is closed (or the calling task is
   * cancelled), running `handler(conn)` for each in its own task of a task
   * group, as Trio's `serve_listeners`. Each connection is closed when its handler ends
   * — returns, throws or is cancelled — even if the handler never got to run.
   * A handler's error cancels the other handlers and is rethrown (structured
   * concurrency: catch in the handler what should not stop the server).
   * Returns once the listener is closed and every handler has finished.
   *
   * Cancellation: stops accepting, cancels the handlers and waits for their
   * cleanup; every connection is closed.
   * Throws: the first handler error; the listener's error.
   *
   * @example
   * yield* listener.serve(function* (conn) {
   *   for (let b = yield* conn.read(); b !== null; b = yield* conn.read()) yield* conn.write(b);
   * });
   */
  *serve(handler: ConnectionHandler): Coroutine<void> {
    if (typeof handler !== "function") {
      throw new TypeError(
        "listener.serve(handler): handler must be a function (conn) => coroutine",
      );
    }
    const incoming = this.incoming();
    yield* taskGroup(function* (group) {
      for (let r = yield* incoming.recv(); !r.done; r = yield* incoming.recv()) {
        const conn = r.value;
        let task: Task<unknown>;
        try {
          // The handler's coroutine is the task's body itself: no wrapper frame to
          // pass through on every resume.
          task = group.spawn(() => handler(conn), {
            name: `conn ${formatAddress(conn.remoteAddress)}`,
          });
        } catch (error) {
          conn.close();
          throw error;
        }
        // Closed when the task completes, whichever way, even if it never ran (a
        // task cancelled before its first step runs no code, so a `using` inside
        // the handler would never execute). Not a join: a failure still fails the
        // group. At completion itself, not in a promise reaction a microtask later:
        // on an in-memory network nothing else may be left to happen by then, and
        // the runtime would take the connection still open for a deadlock.
        task._addJoiner({ waker: null, nextJoiner: null, joinerDone: () => conn.close() });
      }
    });
  }

  /**
   * Stops listening. Connections queued and never accepted are reset;
   * connections already accepted stay open. Waiting `accept()`s throw
   * ERR_LISTENER_CLOSED and `incoming()` ends. Idempotent.
   *
   * @example
   * listener.close();
   */
  close(): void {
    this.#core.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#core.state === CLOSED;
  }

  /** A snapshot: connections accepted by the system and not yet taken by `accept()`. */
  statistics(): { queued: number; closed: boolean } {
    return { queued: this.#core.arrivals.length, closed: this.closed };
  }

  /** `using` support: closes the listener when the block ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `TcpListener(${formatAddress(this.#address as SocketAddress)})`;
  }
}

function describeTarget(t: ListenTarget): string {
  if ("path" in t) return t.path;
  return formatAddress({ host: t.host, port: t.port });
}

function listenTarget(options: ListenOptions): ListenTarget {
  if (options === null || typeof options !== "object") {
    throw new TypeError("listen(options): options must be an object ({host, port} or {path})");
  }
  if ("path" in options) {
    if (typeof options.path !== "string" || options.path === "") {
      throw new TypeError("listen({path}): path must be a non-empty string");
    }
    return { path: options.path, backlog: options.backlog };
  }
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (typeof host !== "string") throw new TypeError("listen({host}): host must be a string");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`listen({port}): port must be an integer 0-65535, got ${String(port)}`);
  }
  const target: ListenTarget = { host, port, backlog: options.backlog, ipv6Only: options.ipv6Only };
  if (options.tls !== undefined) target.tls = checkServerTls(options.tls, "listen({tls})");
  return target;
}

/**
 * Starts listening for connections: TCP on `{host, port}` (port 0 picks a free
 * port), or a Unix domain socket on `{path}`. Returns once the socket is bound.
 *
 * Cancellation: safe; a cancelled listen leaves nothing bound.
 * Throws: code EADDRINUSE (address already in use), EACCES, ENOTFOUND for a
 * host that does not resolve — with the address in the message.
 *
 * With `tls: {key, cert}`, every accepted connection is TLS (see
 * `TcpListenOptions.tls`); the streams read and write plaintext.
 *
 * @example
 * using listener = yield* listen({ host: "127.0.0.1", port: 0 });
 * console.log(listener.address.port); // 43117
 */
export function listen(options?: TcpListenOptions): Future<TcpListener<NetAddress>>;
export function listen(options: UnixListenOptions): Future<TcpListener<UnixAddress>>;
export function listen(options?: ListenOptions): Future<TcpListener>;
export function listen(options: ListenOptions = {}): Future<TcpListener> {
  return trackCreation(new ListenFuture(listenTarget(options)));
}
