/** `connect`: open a TCP or Unix-socket connection. */

import type { Context, Future, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { openingSite } from "../core/resources.js";
import { Timer } from "../core/timer.js";
import { checkDuration } from "../time/duration.js";
import { codeError, formatAddress } from "./errors.js";
import { IoFuture } from "./io-future.js";
import { TcpStream } from "./stream.js";
import { StreamCore } from "./stream-core.js";
import { checkConnectTls, type TlsConnectOptions } from "./tls.js";
import { currentTransport, type StreamTarget } from "./transport.js";

/** Options for `connect` over TCP. */
export interface TcpConnectOptions {
  /** A hostname (resolved as Node does, IPv4 and IPv6) or an IP address. @default "localhost" */
  host?: string;
  port: number;
  /**
   * Give up after this many milliseconds on the runtime's clock (code
   * ETIMEDOUT). Over real sockets the clock is real time (a virtual clock
   * does not move while real I/O is pending).
   * @default Infinity (the system's own limit, minutes for TCP)
   */
  timeout?: number;
  /** Disable Nagle's algorithm on the new connection. @default false */
  noDelay?: boolean;
  /**
   * Connect over TLS (on `node:tls`): `connect` returns once the handshake
   * is done, and the stream reads and writes plaintext. `true` uses Node's
   * defaults: the server's certificate must be signed by one of Node's
   * bundled CAs and name `host`. A certificate that fails the check is an
   * error with Node's code (`DEPTH_ZERO_SELF_SIGNED_CERT`,
   * `ERR_TLS_CERT_ALTNAME_INVALID`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...).
   * @default undefined (plain TCP)
   */
  tls?: TlsConnectOptions | true;
}

/** Options for `connect` to a Unix domain socket. */
export interface UnixConnectOptions {
  path: string;
  /** @default Infinity */
  timeout?: number;
}

/** Where `connect` connects: TCP `{host, port}` or a Unix socket `{path}`. */
export type ConnectOptions = TcpConnectOptions | UnixConnectOptions;

class ConnectFuture extends IoFuture<TcpStream> {
  readonly #target: StreamTarget;
  readonly #ms: number;
  readonly #noDelay: boolean;
  readonly #site = openingSite();
  #core: StreamCore | null = null;
  #timer: Timer | null = null;
  #done = false;

  constructor(target: StreamTarget, ms: number, noDelay: boolean) {
    super();
    this.#target = target;
    this.#ms = ms;
    this.#noDelay = noDelay;
  }

  poll(cx: Context): TcpStream | Pending {
    let core = this.#core;
    if (core === null) {
      const transport = currentTransport();
      core = new StreamCore(
        {
          readable: true,
          writable: true,
          external: transport.external,
          linger: true,
          name: this.#name(),
        },
        false,
      );
      this.#core = core;
      core.raw = transport.connect(this.#target, core);
      if (Number.isFinite(this.#ms)) this.#timer = Timer.after(this.#ms);
    }
    let ready: undefined | Pending;
    try {
      ready = core.pollConnect(cx);
    } catch (error) {
      this.#finish();
      throw error;
    }
    if (ready !== PENDING) {
      this.#finish();
      const stream = new TcpStream(core);
      const remote = stream.remoteAddress;
      core.name =
        "path" in this.#target ? `unix ${this.#target.path}` : `tcp ${formatAddress(remote)}`;
      if (this.#noDelay) stream.setNoDelay(true);
      stream._opened(this.#site);
      return stream;
    }
    const timer = this.#timer;
    if (timer !== null && timer.poll(cx) !== PENDING) {
      this.#finish();
      core.abort();
      throw codeError(
        "ETIMEDOUT",
        `connect to ${this.#name()} failed: timed out after ${this.#ms} ms (ETIMEDOUT)`,
      );
    }
    this.waiting(core.external);
    return PENDING;
  }

  #finish(): void {
    this.#done = true;
    this.settled();
    this.#timer?.cancel();
    this.#timer = null;
    this.#core?.dropConnect();
  }

  protected override dropped(): void {
    if (this.#done) return;
    this.#done = true;
    this.#timer?.cancel();
    const core = this.#core;
    if (core !== null) {
      core.dropConnect();
      core.abort(); // stop the attempt; nothing stays open
    }
  }

  #name(): string {
    const t = this.#target;
    return "path" in t ? t.path : formatAddress(t);
  }

  override describe(): string {
    return `connect ${this.#name()}`;
  }
}

/**
 * Opens a connection: TCP to `{host, port}` (a hostname resolves to IPv4 or
 * IPv6 as Node does, trying each address), or a Unix domain socket at
 * `{path}`. The caller owns the stream: declare it with `using`, or close it.
 *
 * Cancellation: safe; the attempt is abandoned and its socket freed.
 * Throws: code ECONNREFUSED (nothing listens there), ENOTFOUND (no such
 * host), ETIMEDOUT (`timeout` passed, handshake included), ENOENT (no such
 * socket file) — each with the address in the message; with `tls`, the
 * certificate check's error with Node's code.
 *
 * @example
 * using conn = yield* connect({ host: "127.0.0.1", port, timeout: 5000 });
 * yield* conn.write("ping\n");
 */
export function connect(options: ConnectOptions): Future<TcpStream> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("connect(options): options must be an object ({host, port} or {path})");
  }
  const ms = options.timeout ?? Number.POSITIVE_INFINITY;
  checkDuration(ms, "connect({timeout})", true);
  if ("path" in options) {
    if (typeof options.path !== "string" || options.path === "") {
      throw new TypeError("connect({path}): path must be a non-empty string");
    }
    return trackCreation(new ConnectFuture({ path: options.path }, ms, false));
  }
  const { host = "localhost", port } = options;
  if (typeof host !== "string" || host === "") {
    throw new TypeError("connect({host}): host must be a non-empty string");
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`connect({port}): port must be an integer 1-65535, got ${String(port)}`);
  }
  const target: StreamTarget = { host, port };
  if (options.tls !== undefined) target.tls = checkConnectTls(options.tls, "connect({tls})");
  return trackCreation(new ConnectFuture(target, ms, options.noDelay ?? false));
}
