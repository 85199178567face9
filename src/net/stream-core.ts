/**
 * The state machine under every byte stream (TCP and Unix sockets, child
 * process pipes, file readers): a read buffer with pull-based flow control, a
 * write side that waits for room, and a graceful close. `ByteStream`
 * (stream.ts) is the public facade; this object is the transport's sink.
 *
 * The model
 * ---------
 * Read side. Bytes arrive from the transport into `#chunks` and leave only
 * inside the `poll` of a read future, so a read that is cancelled took
 * nothing and loses nothing. The transport delivers bytes only while
 * `#reading` (between `readStart` and `readStop`). A read that finds the
 * buffer short of what it needs registers as the reader (`#readOp`, with its
 * `#want`) and starts reading; when the buffer meets the want, the reader is
 * woken. Bytes that arrive while no reader waits are kept, and reading stops
 * once `READ_AHEAD` bytes are buffered, so at most that plus one chunk of
 * unasked-for bytes is buffered here (plus the transport's own small buffer):
 * a task that stops reading holds the peer back through TCP flow control.
 * (Reading does not stop right after a satisfied read, nor at the first
 * unasked-for chunk, because the common next step of a protocol loop is
 * another read: a burst of small messages arriving together is buffered whole
 * and read with one wake-up, each read after the first completing inline,
 * where stopping and restarting would cost two system calls and a turn of
 * Node's loop per message.)
 *
 *   R_OPEN ──peer FIN──▶ R_EOF        buffered bytes first, then null forever
 *     └─────error──────▶ R_FAILED     buffered bytes first, then the error
 *
 * Write side. A write waits while the transport's queue is above its
 * high-water mark (`#needDrain`, set when `write()` returned false, cleared by
 * `drain`), then hands over all its bytes in one poll and completes.
 *
 *   W_OPEN ──shutdown()/close()──▶ W_ENDING ──finish──▶ W_ENDED
 *     └──────────────error──────────────────────────▶ W_FAILED
 *
 * Close. `close()` drops what was buffered, half-closes after the queued
 * bytes, and reads (discarding) until the peer's FIN — a lingering close, as
 * HTTP servers do, because closing a socket with unread bytes makes the system
 * reset the connection, which can destroy our last bytes before the peer read
 * them. The connection is freed once both directions are done, or after
 * `LINGER_MS` if the peer never finishes. `abort()` frees it at once with a
 * reset. Either way `#closed` is set and every operation afterwards throws.
 *
 * One reader and one writer at a time: a second task reading (or writing)
 * while another waits gets an error, as Trio's "another task is already
 * reading". This is what lets each side keep one waker.
 *
 * Invariants: `#buffered` is the byte count of `#chunks` minus `#offset`;
 * `#readWaker !== null` implies `#readOp !== null`; no bytes are buffered
 * after `#closed`.
 */
import type { Context, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { type ResourceEntry, resourceClosed } from "../core/resources.js";
import { codeError, ioError, type SystemError } from "./errors.js";
import type { RawStream, StreamSink } from "./transport.js";

const R_OPEN = 0;
const R_EOF = 1;
const R_FAILED = 2;

const W_OPEN = 0;
const W_ENDING = 1;
const W_ENDED = 2;
const W_FAILED = 3;

/**
 * Unasked-for bytes buffered before reading stops (Node's own readable
 * high-water mark): a burst of small messages is read whole.
 */
const READ_AHEAD = 16 * 1024;

/** How long `close()` waits for the queued bytes to go out and the peer to finish, before giving up. */
const LINGER_MS = 10_000;

/** The default longest line `readLine` accepts (asyncio's default stream limit). */
export const DEFAULT_LINE_LIMIT = 64 * 1024;

/** Returned by the take functions: nothing to hand out yet. */
export const NOTHING: unique symbol = Symbol("corio.nothing");
type Nothing = typeof NOTHING;

/** Read demand: `#want > 0` is a byte count; WANT_LINE waits for a newline. */
const WANT_LINE = -1;

/** The kinds of read (`pollRead`). */
export const READ_SOME = 0;
export const READ_EXACT = 1;
export const READ_LINE = 2;
export const READ_ALL = 3;

export interface StreamCoreOptions {
  readable: boolean;
  writable: boolean;
  /** True for real I/O: waiting operations count as outside work. */
  external: boolean;
  /** Names the stream in errors and task listings: "tcp 127.0.0.1:5000", "stdout of child 42". */
  name: string;
  /**
   * A socket: `close()` lingers, reading until the peer's FIN (see the module
   * comment). Pipes and files are freed as soon as our side is done.
   * @default false
   */
  linger?: boolean;
}

export class StreamCore implements StreamSink {
  /** Set by whoever creates the transport side (connect, accept, pipe adapters). */
  raw: RawStream | null = null;
  readonly external: boolean;
  name: string;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly #lingers: boolean;

  // ---- read side
  #chunks: Buffer[] = [];
  /** Offset of the first unread byte in `#chunks[0]`. */
  #offset = 0;
  // Invariant: the unread byte count of #chunks.
  #buffered = 0;
  /** Bytes at the front already searched for "\n" (readLine), so each byte is scanned once. */
  #scanned = 0;
  #rstate: number;
  #reading = false;
  /** The read future that owns the read side while it waits. */
  #readOp: object | null = null;
  #readWaker: Waker | null = null;
  #want = 1;
  #lineLimit = DEFAULT_LINE_LIMIT;

  // ---- write side
  #wstate: number;
  #needDrain = false;
  #writeOp: object | null = null;
  #writeWaker: Waker | null = null;
  #endWaker: Waker | null = null;

  // ---- connection
  #connected: boolean;
  #connectWaker: Waker | null = null;
  #error: SystemError | null = null;
  #closed = false;
  /** Its entry in the runtime's open-resource registry (leak checks), or null. */
  leak: ResourceEntry | null = null;
  #gone = false;
  #lingerTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: StreamCoreOptions, connected = true) {
    this.readable = options.readable;
    this.writable = options.writable;
    this.external = options.external;
    this.name = options.name;
    this.#lingers = options.linger ?? false;
    this.#rstate = options.readable ? R_OPEN : R_EOF;
    this.#wstate = options.writable ? W_OPEN : W_ENDED;
    this.#connected = connected;
  }

  // ================================================================ sink (transport → core)

  connected(): void {
    this.#connected = true;
    this.#wakeConnect();
  }

  data(chunk: Uint8Array): void {
    if (this.#closed) return;
    const b = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#chunks.push(b);
    this.#buffered += b.length;
    const w = this.#readWaker;
    if (w === null) {
      // Nobody asked for these bytes: keep them, and past READ_AHEAD take no more until someone does.
      if (this.#buffered >= READ_AHEAD) this.#stopReading();
    } else if (this.#demandMet()) {
      this.#readWaker = null;
      w.wake();
    }
  }

  end(): void {
    if (this.#rstate === R_OPEN) this.#rstate = R_EOF;
    this.#reading = false;
    this.#wakeReader();
    if (this.#closed) this.#freeIfDone();
  }

  drain(): void {
    this.#needDrain = false;
    const w = this.#writeWaker;
    if (w !== null) {
      this.#writeWaker = null;
      w.wake();
    }
  }

  finish(): void {
    if (this.#wstate === W_ENDING) this.#wstate = W_ENDED;
    const w = this.#endWaker;
    if (w !== null) {
      this.#endWaker = null;
      w.wake();
    }
    if (this.#closed) this.#freeIfDone();
  }

  error(error: Error): void {
    if (this.#error === null) {
      this.#error = ioError(error, this.#connected ? this.name : `connect to ${this.name}`);
    }
    if (this.#rstate === R_OPEN) this.#rstate = R_FAILED;
    if (this.#wstate !== W_ENDED) this.#wstate = W_FAILED;
    this.#reading = false;
    this.#wakeAll();
  }

  closed(): void {
    this.#gone = true;
    this.#reading = false;
    if (this.#lingerTimer !== null) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = null;
    }
    if (this.#rstate === R_OPEN) this.#rstate = R_EOF;
    if (this.#wstate === W_OPEN || this.#wstate === W_ENDING) this.#wstate = W_FAILED;
    this.#wakeAll();
  }

  // ================================================================ operations (futures → core)

  /** Connect: ready once connected; throws the connect error. */
  pollConnect(cx: Context): undefined | Pending {
    if (this.#error !== null) throw this.#error;
    if (this.#connected) return undefined;
    if (this.#gone) throw codeError("ECONNABORTED", `connect to ${this.name} failed: aborted`);
    this.#connectWaker = cx.waker;
    return PENDING;
  }

  dropConnect(): void {
    this.#connectWaker = null;
  }

  /**
   * Runs a read of `kind` (READ_SOME with `arg` = max, READ_EXACT with `arg` =
   * n, READ_LINE with `arg` = limit, READ_ALL): hands out what it asks for (or
   * null at EOF, or throws), or registers `op` as the reader and waits.
   */
  pollRead(op: object, cx: Context, kind: number, arg: number): unknown {
    if (this.#readOp !== null && this.#readOp !== op) {
      throw new Error(`another task is already reading from ${this.name}`);
    }
    let value: unknown;
    try {
      value =
        kind === READ_SOME
          ? this.takeSome(arg)
          : kind === READ_EXACT
            ? this.takeExact(arg)
            : kind === READ_LINE
              ? this.takeLine(arg)
              : this.takeAll();
    } catch (error) {
      this.#readOp = null;
      this.#readWaker = null;
      throw error;
    }
    if (value !== NOTHING) {
      this.#readOp = null;
      this.#readWaker = null;
      return value;
    }
    this.#readOp = op;
    this.#readWaker = cx.waker;
    this.#want =
      kind === READ_SOME
        ? 1
        : kind === READ_EXACT
          ? arg
          : kind === READ_LINE
            ? WANT_LINE
            : Number.POSITIVE_INFINITY;
    if (!this.#reading) {
      this.#reading = true;
      (this.raw as RawStream).readStart();
    }
    return PENDING;
  }

  dropRead(op: object): void {
    if (this.#readOp === op) {
      this.#readOp = null;
      this.#readWaker = null;
    }
  }

  /** The first buffered chunk (or `max` bytes of it), null at EOF, NOTHING if empty. */
  takeSome(max: number): Buffer | null | Nothing {
    this.#checkRead();
    if (this.#buffered > 0) {
      const c = this.#chunks[0] as Buffer;
      const o = this.#offset;
      const avail = c.length - o;
      if (max >= avail) {
        this.#chunks.shift();
        this.#offset = 0;
        this.#consumed(avail);
        return o === 0 ? c : c.subarray(o);
      }
      this.#offset = o + max;
      this.#consumed(max);
      return c.subarray(o, o + max);
    }
    return this.#endOfData(null);
  }

  /** Exactly `n` bytes, NOTHING if fewer are buffered; at EOF with fewer, an EOF error. */
  takeExact(n: number): Buffer | Nothing {
    this.#checkRead();
    if (this.#buffered >= n) return this.#takeBytes(n);
    if (this.#rstate === R_FAILED) throw this.#error;
    if (this.#rstate === R_OPEN) return NOTHING;
    throw codeError(
      "EOF",
      `readExact(${n}) on ${this.name}: the stream ended after ${this.#buffered} of ${n} bytes`,
    );
  }

  /** Everything up to end of stream (empty if nothing), NOTHING before it. */
  takeAll(): Buffer | Nothing {
    this.#checkRead();
    if (this.#rstate === R_OPEN && !this.#gone) return NOTHING;
    if (this.#rstate === R_FAILED) throw this.#error;
    return this.#buffered > 0 ? this.#takeBytes(this.#buffered) : Buffer.alloc(0);
  }

  /** The next line without its "\n" or "\r\n", null at EOF, NOTHING if no full line is buffered. */
  takeLine(limit: number): string | null | Nothing {
    this.#checkRead();
    this.#lineLimit = limit;
    const nl = this.#findNewline(limit);
    if (nl >= 0) {
      const line = this.#takeBytes(nl + 1);
      const cut = nl > 0 && line[nl - 1] === 13 ? nl - 1 : nl;
      return line.toString("utf8", 0, cut);
    }
    if (this.#buffered >= limit) {
      throw codeError(
        "ELINETOOLONG",
        `readLine() on ${this.name}: no end of line in the first ${limit} bytes`,
      );
    }
    if (this.#buffered > 0 && this.#rstate !== R_OPEN) {
      if (this.#rstate === R_FAILED) throw this.#error;
      return this.#takeBytes(this.#buffered).toString("utf8"); // the last line, unterminated
    }
    return this.#endOfData(null);
  }

  /** Write: waits for room, then hands all of `data` over at once. */
  pollWrite(op: object, cx: Context, data: Uint8Array | string): undefined | Pending {
    if (!this.writable) throw new TypeError(`${this.name} is not writable`);
    if (this.#closed) throw this.#closedError("write to");
    if (this.#error !== null) throw this.#error;
    if (this.#wstate !== W_OPEN) {
      throw codeError("EPIPE", `write to ${this.name} after shutdown()`);
    }
    if (this.#writeOp !== null && this.#writeOp !== op) {
      throw new Error(`another task is already writing to ${this.name}`);
    }
    if (this.#needDrain) {
      this.#writeOp = op;
      this.#writeWaker = cx.waker;
      return PENDING;
    }
    this.#writeOp = null;
    this.#writeWaker = null;
    if (data.length > 0 && !(this.raw as RawStream).write(data)) this.#needDrain = true;
    return undefined;
  }

  dropWrite(op: object): void {
    if (this.#writeOp === op) {
      this.#writeOp = null;
      this.#writeWaker = null;
    }
  }

  /** Half-close: ready once every queued byte and the FIN went out. */
  pollShutdown(cx: Context): undefined | Pending {
    if (!this.writable) throw new TypeError(`${this.name} is not writable`);
    if (this.#closed) throw this.#closedError("shutdown of");
    if (this.#wstate === W_ENDED) return undefined;
    if (this.#error !== null) throw this.#error;
    this.#endWaker = cx.waker;
    if (this.#wstate === W_OPEN) {
      this.#wstate = W_ENDING;
      (this.raw as RawStream).end();
      if (this.#wstate === W_ENDED) {
        this.#endWaker = null;
        return undefined;
      }
    }
    return PENDING;
  }

  dropShutdown(): void {
    this.#endWaker = null;
  }

  /** Graceful close: see the module comment. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    resourceClosed(this.leak);
    this.#discard();
    this.#wakeAll();
    const raw = this.raw;
    if (raw === null || this.#gone) return;
    if (this.#error !== null) {
      raw.destroy();
      return;
    }
    if (this.#wstate === W_OPEN) {
      this.#wstate = W_ENDING;
      raw.end(); // `finish` follows once the queued bytes are out
    }
    // Lingering close: read (and drop) until the peer's FIN. Closing a socket with
    // unread bytes makes the system send a reset, which can destroy our last bytes
    // before the peer has read them.
    if (this.#lingers && this.#rstate === R_OPEN && !this.#reading) {
      this.#reading = true;
      raw.readStart();
    } else if (!this.#lingers && this.#reading) {
      this.#reading = false;
      raw.readStop();
    }
    if (!this.#freeIfDone()) this.#startLinger(raw);
  }

  /** After close(): free the connection once our bytes are out and the peer is done. */
  #freeIfDone(): boolean {
    if (this.#gone || this.#wstate === W_ENDING) return false;
    if (this.#lingers && this.#rstate === R_OPEN) {
      // Our bytes are all out; only the peer's FIN is awaited. That must not keep
      // the process alive: if it exits first, the system finishes the connection.
      this.raw?.unref?.();
      return false;
    }
    // Not from inside the transport's event: a sink does not call back synchronously.
    queueMicrotask(() => this.raw?.destroy());
    return true;
  }

  /** Abortive close: drop queued bytes, reset the connection. Idempotent. */
  abort(): void {
    const wasClosed = this.#closed;
    this.#closed = true;
    resourceClosed(this.leak);
    if (!wasClosed) {
      this.#discard();
      this.#wakeAll();
    }
    if (this.raw !== null && !this.#gone) this.raw.destroy(true);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Bytes buffered and not yet read. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True if the transport's write queue is above its high-water mark. */
  get writeBlocked(): boolean {
    return this.#needDrain;
  }

  // ================================================================ internals

  #checkRead(): void {
    if (!this.readable) throw new TypeError(`${this.name} is not readable`);
    if (this.#closed) throw this.#closedError("read from");
  }

  /** No bytes buffered: null (or `atEof`) at EOF, the error if failed, else NOTHING. */
  #endOfData<E>(atEof: E): E | Nothing {
    if (this.#rstate === R_EOF) return atEof;
    if (this.#rstate === R_FAILED) throw this.#error;
    return NOTHING;
  }

  #closedError(what: string): Error {
    return codeError("ERR_STREAM_CLOSED", `${what} ${this.name}: the stream is closed`);
  }

  #demandMet(): boolean {
    const want = this.#want;
    if (want > 0) return this.#buffered >= want;
    return this.#buffered >= this.#lineLimit || this.#findNewline(this.#lineLimit) >= 0;
  }

  /** Index of the first "\n" among the buffered bytes, or -1. Scans each byte once. */
  #findNewline(limit: number): number {
    let skip = this.#scanned;
    let base = 0;
    const chunks = this.#chunks;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i] as Buffer;
      const start = i === 0 ? this.#offset : 0;
      const len = c.length - start;
      if (skip >= len) {
        skip -= len;
        base += len;
        continue;
      }
      const at = c.indexOf(10, start + skip);
      if (at >= 0) return base + (at - start);
      skip = 0;
      base += len;
      if (base >= limit) break;
    }
    this.#scanned = base;
    return -1;
  }

  /** Removes exactly `n` (<= buffered) bytes from the front. */
  #takeBytes(n: number): Buffer {
    const chunks = this.#chunks;
    const first = chunks[0] as Buffer;
    const o = this.#offset;
    if (first.length - o >= n) {
      const out = first.subarray(o, o + n);
      if (first.length - o === n) {
        chunks.shift();
        this.#offset = 0;
      } else {
        this.#offset = o + n;
      }
      this.#consumed(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = chunks[0] as Buffer;
      const start = filled === 0 ? this.#offset : 0;
      const take = Math.min(c.length - start, n - filled);
      c.copy(out, filled, start, start + take);
      filled += take;
      if (start + take === c.length) {
        chunks.shift();
        this.#offset = 0;
      } else {
        this.#offset = start + take;
      }
    }
    this.#consumed(n);
    return out;
  }

  #consumed(n: number): void {
    this.#buffered -= n;
    this.#scanned = this.#scanned > n ? this.#scanned - n : 0;
  }

  #discard(): void {
    this.#chunks = [];
    this.#offset = 0;
    this.#buffered = 0;
    this.#scanned = 0;
  }

  #stopReading(): void {
    if (this.#reading) {
      this.#reading = false;
      this.raw?.readStop();
    }
  }

  #startLinger(raw: RawStream): void {
    const timer = setTimeout(() => raw.destroy(), LINGER_MS);
    timer.unref?.();
    this.#lingerTimer = timer;
  }

  #wakeReader(): void {
    const w = this.#readWaker;
    if (w !== null) {
      this.#readWaker = null;
      w.wake();
    }
  }

  #wakeConnect(): void {
    const w = this.#connectWaker;
    if (w !== null) {
      this.#connectWaker = null;
      w.wake();
    }
  }

  #wakeAll(): void {
    this.#wakeReader();
    this.#wakeConnect();
    const ww = this.#writeWaker;
    this.#writeWaker = null;
    ww?.wake();
    const ew = this.#endWaker;
    this.#endWaker = null;
    ew?.wake();
  }
}
