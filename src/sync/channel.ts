/**
 * `channel(capacity)` and `unboundedChannel()`: thin handles over the shared
 * core in `channel-core.ts`.
 *
 * Allocation: the uncontended path allocates nothing but the result object of
 * a receive. Each handle caches one send (or recv) future; `send(v)` hands out
 * that cached future, *claimed* from creation until it completes, fails or is
 * cancelled, and allocates a fresh one only while the cached one is still
 * claimed (a second task sharing the handle, or a future created and not yet
 * awaited). So a future returned by `send`/`recv` is good for one `yield*`:
 * do not keep it and await it again.
 *
 * Why `recv()` allocates a fresh `{ done: false, value }` per message rather
 * than reusing one per receiver: users keep results (`const a = yield* rx.recv();
 * const b = yield* rx.recv();`), and a reused object would silently change `a`
 * under them. Measured, the allocation costs a few ns per message (a young-
 * generation bump); the end-of-stream result is one frozen shared object.
 */

import type { Context, Future, Pending } from "../core/future.js";
import { instrumentation, trackCreation } from "../core/instrument.js";
import { WAITING } from "../core/parking-lot.js";
import { checkCount } from "./args.js";
import { type AsyncOptions, asyncIterator, toPromise } from "./bridge.js";
import {
  Chan,
  CLOSED,
  DONE,
  EMPTY,
  FULL,
  iteratorResult,
  type SenderHandle,
} from "./channel-core.js";
import { RecvOpFuture, SendOpFuture } from "./channel-futures.js";
import { ChannelClosedError, ChannelEmptyError, ChannelFullError } from "./errors.js";

/** What `statistics()` reports for a channel. */
export interface ChannelStatistics {
  /** Messages buffered now. */
  length: number;
  /** The capacity (`Infinity` for an unbounded channel). */
  capacity: number;
  /** Open sender handles. */
  senders: number;
  /** True once no send can succeed (the receiver closed, or every sender did). */
  closed: boolean;
  /** Tasks (or promises) waiting to send: the channel is full. */
  waitingSenders: number;
  /** Tasks (or promises) waiting to receive: the channel is empty. */
  waitingReceivers: number;
}

function statistics(chan: Chan<unknown>): ChannelStatistics {
  return {
    length: chan.length,
    capacity: chan.capacity,
    senders: chan.senders,
    closed: chan.closed,
    waitingSenders: chan.sendq.length,
    waitingReceivers: chan.recvq.length,
  };
}

/** Why a send through `sender` failed: that sender was closed, or the receiver closed the channel. */
function closedError(
  chan: Chan<unknown>,
  sender: SenderHandle,
  value: unknown,
): ChannelClosedError {
  const why = sender.handleClosed
    ? `send on a closed sender of channel#${chan.id}`
    : `send on channel#${chan.id}, which its receiver closed`;
  return new ChannelClosedError(why, value);
}

class SendFuture<T> extends SendOpFuture<T> {
  /** True from `send()` until the send completed, failed or was dropped. */
  claimed = false;

  poll(cx: Context): undefined | Pending {
    const r = this.chan.pollSend(this, cx);
    if (r !== CLOSED) return r;
    const value = this.value;
    this.release();
    throw closedError(this.chan as Chan<unknown>, this.sender, value);
  }

  release(): void {
    this.value = undefined;
    this.claimed = false;
  }

  override describe(): string {
    const c = this.chan;
    const full = this.waiter !== null && this.waiter.state === WAITING;
    return `send on channel#${c.id}${full ? ` (${c.length}/${c.capacity} full)` : ""}`;
  }
}

class RecvFuture<T> extends RecvOpFuture<T, IteratorResult<T>> {
  claimed = false;

  poll(cx: Context): IteratorResult<T> | Pending {
    return iteratorResult(this.chan.pollRecv(this, cx));
  }

  release(): void {
    this.claimed = false;
  }

  override describe(): string {
    return `recv on channel#${this.chan.id}`;
  }
}

/**
 * The sending half of a channel. Clone it for more producers; the channel
 * closes for the receiver when every clone has been closed.
 */
export class Sender<T> implements SenderHandle {
  readonly #chan: Chan<T>;
  #closed = false;
  readonly #send: SendFuture<T>;

  /** @internal Use `channel()`, `unboundedChannel()` or `clone()`. */
  constructor(chan: Chan<T>) {
    this.#chan = chan;
    this.#send = new SendFuture<T>(chan, this);
  }

  /** @internal For the core: this handle was closed. */
  get handleClosed(): boolean {
    return this.#closed;
  }

  /** True if sends fail now: this sender was closed, or the receiver was. */
  get isClosed(): boolean {
    return this.#closed || this.#chan.sendsClosed;
  }

  /** The channel's capacity (`Infinity` when unbounded). */
  get capacity(): number {
    return this.#chan.capacity;
  }

  /**
   * Sends `value`, waiting for room while the channel is full (backpressure).
   * Senders waiting on a full channel are served first come, first served.
   *
   * Cancellation: cancel-safe. A send cancelled before it completed sent
   * nothing; a completed send is in the channel (the value changes hands
   * inside the poll that completes it). Inside `select`, a losing send sent
   * nothing.
   * Throws: `ChannelClosedError` (with `.value`) if the receiver closed the
   * channel or this sender was closed, also while waiting.
   *
   * @example
   * const [tx, rx] = channel<number>(16);
   * yield* tx.send(42);
   */
  send(value: T): Future<void> {
    let f = this.#send;
    // Debug mode tracks each future it sees created: it gets fresh ones, never the cache.
    if (f.claimed || instrumentation.track !== null)
      f = trackCreation(new SendFuture<T>(this.#chan, this));
    f.claimed = true;
    f.value = value;
    return f;
  }

  /**
   * Sends `value` at once if there is room, without waiting. A slot promised
   * to a waiting sender is not free: waiting senders go first.
   *
   * Throws: `ChannelFullError` (with `.value`) if the channel is full;
   * `ChannelClosedError` if it is closed.
   *
   * @example
   * try { tx.trySend(reading); } catch (e) { if (!(e instanceof ChannelFullError)) throw e; }
   */
  trySend(value: T): void {
    const chan = this.#chan;
    const r = chan.trySend(value, this);
    if (r === CLOSED) throw closedError(chan as Chan<unknown>, this, value);
    if (r === FULL) {
      throw new ChannelFullError(
        `trySend on a full channel#${chan.id} (capacity ${chan.capacity})`,
        value,
      );
    }
  }

  /**
   * `send` for plain async code (outside any task): resolves once the value is
   * in the channel.
   *
   * Cancellation: aborting `options.signal` while it waits rejects with the
   * signal's reason, and nothing was sent.
   * Throws (rejects): as `send`.
   *
   * @example
   * await tx.sendAsync("from a callback");
   */
  sendAsync(value: T, options?: AsyncOptions): Promise<void> {
    return toPromise(this.send(value), options?.signal);
  }

  /**
   * Another sender for the same channel, open even if this one is later
   * closed. Cloning a closed sender throws `ChannelClosedError`.
   *
   * @example
   * const tx2 = tx.clone();
   * spawn(producer(tx2));
   */
  clone(): Sender<T> {
    if (this.#closed) {
      throw new ChannelClosedError(`clone of a closed sender of channel#${this.#chan.id}`);
    }
    this.#chan.addSender();
    return new Sender(this.#chan);
  }

  /**
   * Closes this sender: its pending sends fail with `ChannelClosedError` and
   * further sends through it throw. When the last sender is closed the
   * receiver gets what is buffered, then `done`. Closing twice does nothing.
   *
   * @example
   * for (const line of lines) yield* tx.send(line);
   * tx.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chan.senderClosed(this);
  }

  /** `using tx = …` closes the sender at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A snapshot of the channel's state. */
  statistics(): ChannelStatistics {
    return statistics(this.#chan as Chan<unknown>);
  }

  /** @internal Checks the channel's invariants (tests). */
  _check(): void {
    this.#chan.check();
  }
}

/**
 * The receiving half of a channel. Several tasks may receive from one
 * receiver; they are served first come, first served, each message once.
 * Also `AsyncIterable` for plain async code.
 */
export class Receiver<T> implements AsyncIterable<T> {
  readonly #chan: Chan<T>;
  readonly #recv: RecvFuture<T>;

  /** @internal Use `channel()` or `unboundedChannel()`. */
  constructor(chan: Chan<T>) {
    this.#chan = chan;
    this.#recv = new RecvFuture(chan);
  }

  /** True once every sender is closed or the receiver is: no new messages will come. */
  get isClosed(): boolean {
    return this.#chan.closed;
  }

  /**
   * Receives the next message: `{ done: false, value }`, or `{ done: true }`
   * once the channel is closed and everything buffered was received.
   *
   * Cancellation: cancel-safe. A cancelled `recv` took nothing: no message is
   * lost (inside `select`, a losing `recv` left its message in the channel);
   * if a message had already been promised to it, it goes to the next receiver.
   * Throws: nothing of its own.
   *
   * @example
   * for (;;) {
   *   const r = yield* rx.recv();
   *   if (r.done) break;
   *   console.log(r.value);
   * }
   */
  recv(): Future<IteratorResult<T>> {
    let f = this.#recv;
    if (f.claimed || instrumentation.track !== null) f = trackCreation(new RecvFuture(this.#chan));
    f.claimed = true;
    return f;
  }

  /**
   * Receives a message at once if one is buffered (and not promised to a
   * waiting receiver): `{ done: false, value }`, or `{ done: true }` if the
   * channel is closed and drained.
   *
   * Throws: `ChannelEmptyError` if nothing is ready and the channel is open.
   *
   * @example
   * const r = rx.tryRecv();
   */
  tryRecv(): IteratorResult<T> {
    const r = this.#chan.tryRecv();
    if (r === CLOSED) return DONE;
    if (r === EMPTY) throw new ChannelEmptyError(`tryRecv on an empty channel#${this.#chan.id}`);
    return { done: false, value: r };
  }

  /**
   * `recv` for plain async code: resolves with the next result.
   *
   * Cancellation: aborting `options.signal` rejects with its reason; nothing
   * was taken.
   *
   * @example
   * const r = await rx.recvAsync();
   */
  recvAsync(options?: AsyncOptions): Promise<IteratorResult<T>> {
    return toPromise(this.recv(), options?.signal);
  }

  /**
   * Closes the channel from the receiving side: every send fails from now on
   * (waiting senders with `ChannelClosedError`, having sent nothing), while
   * what is already buffered can still be received. Closing twice does nothing.
   *
   * @example
   * rx.close(); // producers stop at their next send
   */
  close(): void {
    this.#chan.closeSends();
  }

  /** `using rx = …` closes the receiver at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * `for await (const v of rx)` in plain async code: every message until the
   * channel is closed and drained. Leaving the loop early does not close the
   * receiver.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return asyncIterator(() => this.recv());
  }

  /** A snapshot of the channel's state. */
  statistics(): ChannelStatistics {
    return statistics(this.#chan as Chan<unknown>);
  }

  /** @internal Checks the channel's invariants (tests). */
  _check(): void {
    this.#chan.check();
  }
}

/**
 * A bounded channel: `send` waits while `capacity` messages are buffered.
 * Messages arrive in the order sent (per sender); both sides may be used from
 * tasks of any runtime and from plain async code.
 *
 * Throws: `RangeError` if `capacity` is not an integer >= 1 (for a rendezvous
 * use capacity 1, or `oneshot()`; for no limit, `unboundedChannel()`).
 *
 * @example
 * const [tx, rx] = channel<string>(8);
 * spawn(function* () { yield* tx.send("hi"); tx.close(); });
 * const r = yield* rx.recv(); // { done: false, value: "hi" }
 */
export function channel<T>(capacity: number): [Sender<T>, Receiver<T>] {
  checkCount(
    capacity,
    "channel(capacity)",
    1,
    "use unboundedChannel() for no limit, capacity 1 or oneshot() for a hand-off",
  );
  const chan = new Chan<T>(capacity);
  return [new Sender(chan), new Receiver(chan)];
}

/**
 * A channel without a limit: `send` never waits (it fails only once closed)
 * and `trySend` never reports full. Memory grows with what the receiver has
 * not taken yet: prefer a bounded channel wherever a producer can outrun its
 * consumer.
 *
 * @example
 * const [tx, rx] = unboundedChannel<string>();
 * tx.trySend("clicked"); // from anywhere, never waits
 */
export function unboundedChannel<T>(): [Sender<T>, Receiver<T>] {
  const chan = new Chan<T>(Number.POSITIVE_INFINITY);
  return [new Sender(chan), new Receiver(chan)];
}
