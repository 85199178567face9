/**
 * `ByteStream` and `TcpStream`: the public face of a byte stream. Each
 * operation is a small leaf future over the stream's `StreamCore`
 * (stream-core.ts), which holds the state; values change hands only inside
 * `poll()`, so every read is cancel-safe and a write either handed over all
 * its bytes or none.
 */

import type { Readable, Writable } from "node:stream";
import { type Context, type Future, FutureBase, PENDING, type Pending } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { resourceOpened } from "../core/resources.js";
import { formatAddress } from "./errors.js";
import { CountedIoFuture } from "./io-future.js";
import { NodeRawStream } from "./node-transport.js";
import {
  DEFAULT_LINE_LIMIT,
  READ_ALL,
  READ_EXACT,
  READ_LINE,
  READ_SOME,
  StreamCore,
} from "./stream-core.js";
import type { SocketAddress } from "./transport.js";

/** Options for `readLine`. */
export interface ReadLineOptions {
  /**
   * The longest line accepted, in bytes; a longer one throws (code `ELINETOOLONG`)
   * and stays buffered.
   * @default 65536
   */
  limit?: number;
}

/** A snapshot of a stream's state, for monitoring. */
export interface StreamStatistics {
  /** Bytes received and not read yet. */
  buffered: number;
  /** True while a write would wait for the peer to take bytes (the send queue is full). */
  writeBlocked: boolean;
  closed: boolean;
}

/** `recv()` of a byte stream: a `readLine` whose `null` (end of stream) becomes `{done: true}`. */
class LineRecv extends FutureBase<IteratorResult<string, undefined>> {
  readonly #line: Future<string | null>;
  constructor(line: Future<string | null>) {
    super();
    this.#line = line;
  }
  poll(cx: Context): IteratorResult<string, undefined> | Pending {
    const line = this.#line.poll(cx);
    if (line === PENDING) return PENDING;
    return line === null ? { done: true, value: undefined } : { done: false, value: line };
  }
  cancel(): void {
    this.#line.cancel?.();
  }
  override describe(): string {
    return "recv line";
  }
}

const READ_NAMES = ["read", "readExact", "readLine", "readAll"];

/** `read`, `readExact`, `readLine`, `readAll`: one future, four kinds (see `StreamCore.pollRead`). */
class ReadFuture<T> extends CountedIoFuture<T> {
  readonly #core: StreamCore;
  readonly #kind: number;
  readonly #arg: number;
  constructor(core: StreamCore, kind: number, arg: number) {
    super();
    this.#core = core;
    this.#kind = kind;
    this.#arg = arg;
  }
  protected pollOnce(cx: Context): T | Pending {
    return this.#core.pollRead(this, cx, this.#kind, this.#arg) as T | Pending;
  }
  protected get external(): boolean {
    return this.#core.external;
  }
  protected override dropped(): void {
    this.#core.dropRead(this);
  }
  /** Bytes are buffered: a read may complete inline (the usual next read of a burst). */
  protected override mayBeReady(): boolean {
    return this.#core.buffered > 0;
  }
  override describe(): string {
    return `${READ_NAMES[this.#kind]} ${this.#core.name}`;
  }
}

class WriteFuture extends CountedIoFuture<void> {
  readonly #core: StreamCore;
  readonly #data: Uint8Array | string;
  constructor(core: StreamCore, data: Uint8Array | string) {
    super();
    this.#core = core;
    this.#data = data;
  }
  protected pollOnce(cx: Context): undefined | Pending {
    return this.#core.pollWrite(this, cx, this.#data);
  }
  protected get external(): boolean {
    return this.#core.external;
  }
  protected override dropped(): void {
    this.#core.dropWrite(this);
  }
  /**
   * Room in the send queue: the write hands its bytes over at once, so it
   * completes inline, without a suspension and a trip through the executor.
   */
  protected override mayBeReady(): boolean {
    return !this.#core.writeBlocked;
  }
  override describe(): string {
    return `write ${this.#core.name}`;
  }
}

class ShutdownFuture extends CountedIoFuture<void> {
  readonly #core: StreamCore;
  constructor(core: StreamCore) {
    super();
    this.#core = core;
  }
  protected pollOnce(cx: Context): undefined | Pending {
    return this.#core.pollShutdown(cx);
  }
  protected get external(): boolean {
    return this.#core.external;
  }
  protected override dropped(): void {
    this.#core.dropShutdown();
  }
  override describe(): string {
    return `shutdown ${this.#core.name}`;
  }
}

function checkCount(n: number, what: string, allowInfinity: boolean): void {
  if (
    typeof n !== "number" ||
    Number.isNaN(n) ||
    n < 1 ||
    (!allowInfinity && !Number.isFinite(n)) ||
    (Number.isFinite(n) && !Number.isInteger(n))
  ) {
    throw new RangeError(`${what} must be a positive integer, got ${String(n)}`);
  }
}

/**
 * A byte stream: a TCP or Unix socket connection, a child process's pipe, a
 * file reader. Reads are pulled: bytes are taken from the peer only while a
 * task reads, so a task that stops reading holds the sender back.
 *
 * Ownership: whoever holds the stream closes it. Declare it with `using`
 * (`using conn = yield* connect(...)`) and it is closed when the block ends,
 * including when the task is cancelled (its cleanup runs the disposal), as
 * Tokio's drop and Trio's `async with` do; or call `close()` in a `finally`.
 * `TcpListener.serve()` closes each connection when its handler ends.
 *
 * One task reads and one task writes at a time (they may be different tasks);
 * a second concurrent reader or writer gets an error.
 */
export class ByteStream implements Disposable {
  /** @internal */
  readonly _core: StreamCore;

  /** @internal Streams are made by `connect`, `accept`, `exec`, `fs.reader`. */
  constructor(core: StreamCore) {
    this._core = core;
  }

  /**
   * Reads the next bytes: at most `max`, at least one; `null` at end of
   * stream (the peer shut down its side), and `null` again on every later call.
   * Waits if nothing is buffered.
   *
   * Cancellation: safe. A cancelled read took nothing; the bytes stay for the
   * next read and the stream stays usable.
   * Throws: the connection's error (code ECONNRESET, ...) once the bytes that
   * arrived before it are read; ERR_STREAM_CLOSED after `close()`; an error if
   * another task is reading.
   *
   * @example
   * const chunk = yield* conn.read();
   * if (chunk === null) return; // the peer is done
   */
  read(max = Number.POSITIVE_INFINITY): Future<Buffer | null> {
    checkCount(max, "read(max)", true);
    return trackCreation(new ReadFuture<Buffer | null>(this._core, READ_SOME, max));
  }

  /**
   * Reads exactly `n` bytes, waiting until they have all arrived.
   *
   * Cancellation: safe. Nothing is taken until all `n` bytes are there.
   * Throws: code `EOF` if the stream ends first (the partial bytes stay
   * readable with `read()`); the connection's error; ERR_STREAM_CLOSED.
   *
   * @example
   * const header = yield* conn.readExact(4);
   * const body = yield* conn.readExact(header.readUInt32BE(0));
   */
  readExact(n: number): Future<Buffer> {
    checkCount(n, "readExact(n)", false);
    return trackCreation(new ReadFuture<Buffer>(this._core, READ_EXACT, n));
  }

  /**
   * Reads one line of UTF-8 text and returns it without its "\n" (or "\r\n");
   * at end of stream returns the last, unterminated line if there is one, then
   * `null`.
   *
   * Cancellation: safe. Nothing is taken until a whole line is there.
   * Throws: code ELINETOOLONG when no newline comes within `limit` bytes;
   * the connection's error; ERR_STREAM_CLOSED.
   *
   * @example
   * for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
   *   yield* conn.write(`${line.toUpperCase()}\n`);
   * }
   */
  readLine(options: ReadLineOptions = {}): Future<string | null> {
    const limit = options.limit ?? DEFAULT_LINE_LIMIT;
    checkCount(limit, "readLine({limit})", false);
    return trackCreation(new ReadFuture<string | null>(this._core, READ_LINE, limit));
  }

  /**
   * The next line, as `readLine` reads it, as an iterator result: `{done:
   * true}` at end of stream. So a byte stream — a file from `reader()`, a
   * connection — is a `Stream` of lines for `forEach` and the operators.
   *
   * Cancellation: safe, as `readLine`: nothing is taken until a whole line is there.
   * Throws: as `readLine` (ELINETOOLONG past 65536 bytes; ERR_STREAM_CLOSED).
   *
   * @example
   * for (let r = yield* conn.recv(); !r.done; r = yield* conn.recv()) {
   *   yield* conn.write(`${r.value.length}\n`);
   * }
   */
  recv(): Future<IteratorResult<string, undefined>> {
    return trackCreation(new LineRecv(this.readLine()));
  }

  /**
   * Reads until end of stream and returns everything (an empty buffer if the
   * stream was already at its end). Memory grows with the stream: for bounded
   * input only (a child's output, a small response).
   *
   * Cancellation: safe. Nothing is taken until end of stream.
   * Throws: the connection's error; ERR_STREAM_CLOSED.
   *
   * @example
   * const all = (yield* child.stdout!.readAll()).toString();
   */
  readAll(): Future<Buffer> {
    return trackCreation(new ReadFuture<Buffer>(this._core, READ_ALL, 0));
  }

  /**
   * Writes all of `data` (a string is sent as UTF-8). Waits while the send
   * queue is full (the peer is not taking bytes), then hands every byte over
   * at once and completes: the bytes are then the stream's to deliver, even if
   * the stream is closed right after.
   *
   * Cancellation: safe. A cancelled write sent nothing.
   * Throws: the connection's error (EPIPE, ECONNRESET, ...); code EPIPE after
   * `shutdown()`; ERR_STREAM_CLOSED after `close()`; an error if another task
   * is writing.
   *
   * @example
   * yield* conn.write("hello\n");
   */
  write(data: Uint8Array | string): Future<void> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new TypeError("write(data): data must be a Uint8Array (Buffer) or a string");
    }
    return trackCreation(new WriteFuture(this._core, data));
  }

  /**
   * Half-closes the stream: the bytes written so far go out, then the peer
   * reads end of stream; this side can still read. Completes once that is
   * done. Calling it again is harmless.
   *
   * Cancellation: stops waiting only; the shutdown still happens.
   * Throws: the connection's error; ERR_STREAM_CLOSED after `close()`.
   *
   * @example
   * yield* conn.write(request);
   * yield* conn.shutdown(); // "that is all"
   * const reply = yield* conn.readAll();
   */
  shutdown(): Future<void> {
    return trackCreation(new ShutdownFuture(this._core));
  }

  /**
   * Closes the stream gracefully, at once (no waiting): every byte already
   * written is still delivered, then the connection is freed (after at most 10 s
   * if the peer never takes them). Bytes received and not read are dropped.
   * Operations waiting in other tasks throw ERR_STREAM_CLOSED. Idempotent.
   *
   * @example
   * conn.close();
   */
  close(): void {
    this._core.close();
  }

  /**
   * Closes the stream abortively: bytes not yet sent are dropped and the peer
   * sees a reset (ECONNRESET). Idempotent.
   *
   * @example
   * conn.abort(); // the client misbehaved
   */
  abort(): void {
    this._core.abort();
  }

  /**
   * @internal Gives the Node socket under a stream that was never read to a
   * new owner (serve taking a listener's queued connections); the stream is
   * closed without touching the socket.
   */
  _detachNode(): Readable | Writable {
    const core = this._core;
    const raw = core.raw;
    if (!(raw instanceof NodeRawStream)) throw new TypeError("not a Node socket");
    core.raw = null;
    core.abort();
    return raw.detach() as Readable | Writable;
  }

  /**
   * @internal The caller owns the stream from now on (connect, accept): a
   * leak check counts it open until `close()` or `abort()`.
   */
  _opened(site: Error | null, kind: "socket" | "file" = "socket"): void {
    this._core.leak = resourceOpened(kind, () => this.toString(), site);
  }

  /** True once `close()` or `abort()` was called. */
  get closed(): boolean {
    return this._core.isClosed;
  }

  /** A snapshot of the stream's buffers and state. */
  statistics(): StreamStatistics {
    const c = this._core;
    return { buffered: c.buffered, writeBlocked: c.writeBlocked, closed: c.isClosed };
  }

  /** `using` support: closes the stream (gracefully) when the block ends. */
  [Symbol.dispose](): void {
    this._core.close();
  }

  toString(): string {
    return `${this.constructor.name}(${this._core.name})`;
  }
}

/**
 * @internal A one-way `ByteStream` over a Node stream: a child's pipe, a file
 * read stream, this process's stdin (`readable`: which way the bytes go).
 */
export function nodeByteStream(
  stream: Readable | Writable,
  readable: boolean,
  name: string,
): ByteStream {
  const core = new StreamCore({ readable, writable: !readable, external: true, name });
  core.raw = new NodeRawStream(stream).attach(core);
  return new ByteStream(core);
}

/**
 * A connected TCP (or Unix domain) socket, from `connect()` or
 * `listener.accept()`. All of `ByteStream`, plus addresses and socket options.
 * For a Unix socket both addresses are `{ path }`.
 */
export class TcpStream extends ByteStream {
  readonly #local: SocketAddress | null;
  readonly #remote: SocketAddress | null;

  /** @internal */
  constructor(core: StreamCore) {
    super(core);
    this.#local = core.raw?.localAddress() ?? null;
    this.#remote = core.raw?.remoteAddress() ?? null;
  }

  /** This end's address: `{host, port}` (or `{path}` for a Unix socket). */
  get localAddress(): SocketAddress | null {
    return this.#local;
  }

  /** The peer's address: `{host, port}` (or `{path}` for a Unix socket). */
  get remoteAddress(): SocketAddress | null {
    return this.#remote;
  }

  /**
   * Disables Nagle's algorithm (`true`, the default argument) so small writes
   * go out at once, or enables it again (`false`).
   *
   * @example
   * conn.setNoDelay();
   */
  setNoDelay(noDelay = true): void {
    if (!this._core.isClosed) this._core.raw?.setNoDelay(noDelay);
  }

  override toString(): string {
    return `TcpStream(${formatAddress(this.#local)} -> ${formatAddress(this.#remote)})`;
  }
}
