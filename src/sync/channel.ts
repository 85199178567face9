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
import * as future from "../core/future.js";
import { instrumentation, trackCreation } from "../core/instrument.js";
import { keepShapes } from "../core/kept-shapes.js";
import { WAITING, type Waiter } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { checkCount } from "./args.js";
import { type AsyncOptions, asyncIterator, toPromise } from "./bridge.js";
import * as core from "./channel-core.js";
import {
  Chan,
  DONE,
  EMPTY,
  FULL,
  iteratorResult,
  type SenderHandle,
  type SendOp,
} from "./channel-core.js";
import { RecvOpFuture, SendOpFuture } from "./channel-futures.js";
import { ChannelClosedError, ChannelEmptyError, ChannelFullError } from "./errors.js";
import { InlineFuture } from "./inline.js";

// Local copies of the sentinels (future.ts says why).
const PENDING: typeof future.PENDING = future.PENDING;
const CLOSED: typeof core.CLOSED = core.CLOSED;

// A channel's objects kept alive once any channel was made (core/kept-shapes.ts says why).
let anchored = false;

function anchorMaps(): void {
  anchored = true;
  const chan = new Chan<unknown>(1);
  keepShapes(new Sender(chan), new Receiver(chan));
}

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

/** `tx.reserve()`: waits for a slot as a send does, then holds it in a `SendPermit`. */
class ReserveFuture<T> extends InlineFuture<SendPermit<T>> implements SendOp<T> {
  waiter: Waiter | null = null;
  value: T | undefined = undefined;
  readonly sender: SenderHandle;
  readonly chan: Chan<T>;

  constructor(chan: Chan<T>, sender: SenderHandle) {
    super();
    this.chan = chan;
    this.sender = sender;
  }

  protected override mayBeReady(): boolean {
    return this.chan.sendMayBeReady(this);
  }

  cancel(): void {
    this.chan.cancelSend(this);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.chan.isLocalTo(rt);
  }

  poll(cx: Context): SendPermit<T> | Pending {
    const r = this.chan.pollReserve(this, cx);
    if (r === PENDING) return PENDING;
    if (r === CLOSED) {
      const sender = this.sender;
      const why = sender.handleClosed
        ? `reserve on a closed sender of channel#${this.chan.id}`
        : `reserve on channel#${this.chan.id}, which its receiver closed`;
      throw new ChannelClosedError(why);
    }
    return new SendPermit(this.chan, this.sender);
  }

  release(): void {}

  override describe(): string {
    return `reserve on channel#${this.chan.id}`;
  }
}

/**
 * A slot of a channel held for one message (`tx.reserve()`): `send(v)` puts
 * the value there at once, without waiting; `release()` (or `using`) gives
 * the slot back unused. Use it once.
 */
export class SendPermit<T> {
  readonly #chan: Chan<T>;
  readonly #sender: SenderHandle;
  #used = false;

  /** @internal Use `tx.reserve()`. */
  constructor(chan: Chan<T>, sender: SenderHandle) {
    this.#chan = chan;
    this.#sender = sender;
  }

  /** True once `send` or `release` was called. */
  get isUsed(): boolean {
    return this.#used;
  }

  /**
   * Sends `value` into the held slot, synchronously.
   *
   * Throws: `Error` if the permit was already used (sent or released);
   * `ChannelClosedError` (with `.value`) if the receiver closed the channel
   * or the sender was closed since (the slot is given back, nothing sent).
   *
   * @example
   * const [tx, rx] = channel<string>(1);
   * const permit = yield* tx.reserve();
   * permit.send("hello");
   */
  send(value: T): void {
    const chan = this.#chan;
    if (this.#used) {
      throw new Error(
        `SendPermit of channel#${chan.id} used twice: it holds one slot, already used`,
      );
    }
    this.#used = true;
    if (chan.sendHeld(value, this.#sender) === CLOSED) {
      throw closedError(chan as Chan<unknown>, this.#sender, value);
    }
  }

  /**
   * Gives the slot back unused (it goes to the next waiting sender). After
   * `send`, or a second time, it does nothing.
   *
   * @example
   * const [tx] = channel<string>(1);
   * const permit = yield* tx.reserve();
   * permit.release(); // changed our mind
   */
  release(): void {
    if (this.#used) return;
    this.#used = true;
    this.#chan.releaseHeld();
  }

  /** `using permit = yield* tx.reserve()` releases an unused permit at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/** `recvMany(max)`: a fresh future per call (not the hot path `recv` is). */
class RecvManyFuture<T> extends RecvOpFuture<T, T[]> {
  readonly #max: number;

  constructor(chan: Chan<T>, max: number) {
    super(chan);
    this.#max = max;
  }

  poll(cx: Context): T[] | Pending {
    const r = this.chan.pollRecvMany(this, cx, this.#max);
    return r === CLOSED ? [] : r;
  }

  release(): void {}

  override describe(): string {
    return `recvMany(${this.#max}) on channel#${this.chan.id}`;
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
   * Rendezvous (`channel(0)`): completes once a waiting receiver was handed
   * the value (in this send's own poll, so a cancelled send delivered
   * nothing). If that receiver is cancelled before it runs, the value goes to
   * the next receiver: it is never lost, and never received twice.
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
   * Waits for a free slot, as `send` does, and holds it: the returned
   * `SendPermit` sends one value into it synchronously (Tokio's `reserve`).
   * For work that should only start once there is room (no value made and
   * then stuck waiting), or a send that must not wait at the point it happens.
   *
   * Cancellation: cancel-safe. A `reserve` cancelled before it completed
   * holds nothing (a slot already granted to it goes to the next waiting
   * sender); waiting reserves and sends share one first-come line, so a
   * cancelled one loses only its own place.
   * Rendezvous (`channel(0)`): waits for a waiting receiver and holds it (no
   * other send is handed to it). If that receiver is cancelled while the
   * permit is held, the permit's value is kept for the next receive: a
   * permit's send still cannot wait or fail for want of room.
   * Throws: `ChannelClosedError` if the receiver closed the channel or this
   * sender was closed, also while waiting.
   *
   * @example
   * const [tx, rx] = channel<number>(1);
   * using permit = yield* tx.reserve();
   * permit.send(42); // cannot wait or fail for want of room
   */
  reserve(): Future<SendPermit<T>> {
    return trackCreation(new ReserveFuture<T>(this.#chan, this));
  }

  /**
   * Sends `value` at once if there is room, without waiting. A slot promised
   * to a waiting sender is not free: waiting senders go first. On a
   * rendezvous (`channel(0)`) it succeeds only while a receiver waits (one no
   * waiting sender was promised), handing the value to it.
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
        chan.capacity === 0
          ? `trySend on rendezvous channel#${chan.id} with no receiver waiting`
          : `trySend on a full channel#${chan.id} (capacity ${chan.capacity})`,
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

  /**
   * Waits until the receiving side is closed: every `Receiver` (clones
   * included) was closed, so no send can succeed any more (Tokio's
   * `Sender::closed`). Ready at once if it already is.
   *
   * Cancellation: cancel-safe; it only watches, nothing is consumed.
   *
   * @example
   * const [tx, rx] = channel<number>(1);
   * spawn(function* () { rx.close(); });
   * yield* tx.waitClosed(); // stop producing: nobody listens
   */
  waitClosed(): Future<void> {
    return this.#chan.sendsClosedEvent().wait();
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
  #closed = false;

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
   * Receives up to `max` messages at once: waits while the channel is empty,
   * then takes every buffered message (up to `max`) in one step, in order.
   * An empty array means the channel is closed and drained (Tokio's
   * `recv_many`, which returns 0 then).
   *
   * Cancellation: cancel-safe, as `recv`: a cancelled `recvMany` took
   * nothing (inside `select`, a losing one left every message in the
   * channel); a message promised to it goes to the next receiver in line.
   * Throws: `RangeError` if `max` is not an integer >= 1.
   *
   * @example
   * const [tx, rx] = channel<number>(8);
   * tx.trySend(1);
   * tx.trySend(2);
   * tx.close();
   * const batch = yield* rx.recvMany(10); // [1, 2]
   * const end = yield* rx.recvMany(10); // [] (closed and drained)
   */
  recvMany(max: number): Future<T[]> {
    checkCount(max, "recvMany(max)", 1);
    return trackCreation(new RecvManyFuture(this.#chan, max));
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
   * Closes this receiver. When it is the last open one (see `clone()`), the
   * channel closes from the receiving side: every send fails from now on
   * (waiting senders with `ChannelClosedError`, having sent nothing), while
   * what is already buffered can still be received. Closing twice does nothing.
   *
   * @example
   * rx.close(); // producers stop at their next send
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chan.receiverClosed();
  }

  /**
   * Another receiver of the same channel (Trio's `clone`): receivers share
   * the messages, each message going to one of them, first come, first
   * served. Sends fail only once every clone has been closed. Cloning a
   * closed receiver throws `ChannelClosedError`.
   *
   * @example
   * const [tx, rx] = channel<number>(4);
   * const rx2 = rx.clone();
   * tx.trySend(1);
   * rx.close(); // rx2 still receives
   * const r = yield* rx2.recv(); // { done: false, value: 1 }
   */
  clone(): Receiver<T> {
    if (this.#closed) {
      throw new ChannelClosedError(`clone of a closed receiver of channel#${this.#chan.id}`);
    }
    this.#chan.addReceiver();
    return new Receiver(this.#chan);
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
 * `channel(0)` is a rendezvous (Trio's `open_memory_channel(0)`): no buffer,
 * `send` waits until a receiver is waiting and hands the value to it;
 * `trySend` succeeds only while a receiver waits. Both stay cancel-safe: a
 * cancelled send delivered nothing, a cancelled recv took nothing (see
 * `Sender.send`).
 *
 * Throws: `RangeError` if `capacity` is not an integer >= 0 (for no limit,
 * `unboundedChannel()`).
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
    0,
    "use unboundedChannel() for no limit, 0 for a rendezvous",
  );
  if (!anchored) anchorMaps();
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
  if (!anchored) anchorMaps();
  const chan = new Chan<T>(Number.POSITIVE_INFINITY);
  return [new Sender(chan), new Receiver(chan)];
}
