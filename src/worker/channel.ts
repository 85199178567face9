/**
 * `workerChannel(capacity)`: wave 1's bounded channel, across threads, over a
 * `MessagePort` pair.
 *
 * The model
 * ---------
 * The sender holds `credits`: how many more values the receiving side may be
 * holding. It starts at `capacity`; each send spends one and posts the value;
 * the receiver gives one back each time its user takes a value (`recv`,
 * `tryRecv`). So a sender waits exactly while the receiving side holds
 * `capacity` values not yet received (in its buffer or still in flight):
 * backpressure across threads, with no shared memory. Credits go back in
 * batches (half the capacity at a time), since a message per value would cost
 * as much as the value itself; so that a batch never holds a sender back, a
 * sender that runs out of credit says so (`{[STARVED]: key}`), and the
 * receiver then returns what it owes at once, and keeps returning credit at
 * once until the sender has been answered. So a sender waits only while the
 * receiving side holds `capacity` values not yet received.
 *
 * On the wire: sender → receiver posts values, and at the end a close record
 * carrying the channel's random `key` (no value a user sends can be mistaken
 * for it); receiver → sender posts only numbers (n > 0: n credits back;
 * `CLOSED_BY_RECEIVER`: the receiver closed). A sender that closes posts the
 * record, then closes its port (the record is needed: a port closed while its
 * peer was in transit to another thread never sees a `close` event). The
 * port's `close` event also comes when the thread holding the other end ends
 * (Node closes its ports), and is handled as the peer closing. A receiver
 * that closes tells the sender and keeps its port open to take what was
 * already in flight; the sender answers by closing its port.
 *
 * Values change hands only inside `poll()` (a cancelled send posted nothing,
 * a cancelled recv took nothing). Waiting tasks queue on the parking lot in
 * arrival order; a wake is a hint, not a grant: a woken waiter polls again and
 * parks again if another took the value or credit first, and a woken waiter
 * dropped before its poll passes the wake on. The port is `ref`'d only while
 * some task waits on it, so a forgotten end never keeps a process or thread
 * alive.
 *
 * Like every primitive, a channel belongs to no runtime: either end may be
 * used from any runtime of the thread that holds it. Passing an end in
 * `spawnWorker`'s `args` moves it (its port, credits and buffered values) to
 * the worker thread; the end left behind throws if used.
 */
import { randomUUID } from "node:crypto";
import type { MessagePort } from "node:worker_threads";
import { MessageChannel } from "node:worker_threads";
import type { Context, Future, Pending } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "../core/parking-lot.js";
import { checkCount } from "../sync/args.js";
import { asyncIterator } from "../sync/bridge.js";
import { ChannelClosedError, ChannelEmptyError, ChannelFullError } from "../sync/errors.js";

/** Receiver → sender: the receiver closed. */
const CLOSED_BY_RECEIVER = -1;

/** Sender → receiver: `{[CLOSED]: key}`, the sender closed. */
const CLOSED = "corio.workerChannelClosed";

/** Sender → receiver: `{[STARVED]: key}`, a send waits for credit: return what you owe now. */
const STARVED = "corio.workerChannelStarved";

let nextChannelId = 0;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** @internal What moves with an end through `spawnWorker`'s args (see transfer.ts). */
export interface SenderState {
  kind: "sender";
  id: number;
  key: string;
  port: MessagePort;
  capacity: number;
  credits: number;
  closed: boolean;
}

/** @internal */
export interface ReceiverState {
  kind: "receiver";
  id: number;
  key: string;
  port: MessagePort;
  capacity: number;
  buffer: unknown[];
  closed: boolean;
  peerGone: boolean;
}

/** Common to both ends: the port, its ref count, and "moved away". */
abstract class End {
  readonly _id: number;
  /** The channel's random key, known to both ends: marks the sender's close record. */
  readonly _key: string;
  readonly #capacity: number;
  protected port: MessagePort | null;
  /** Where it went, once moved (`spawnWorker` args). */
  #movedTo: string | null = null;
  #refs = 0;

  constructor(id: number, key: string, port: MessagePort, capacity: number) {
    this._id = id;
    this._key = key;
    this.#capacity = capacity;
    this.port = port;
    port.on("message", (m: unknown) => this.onMessage(m));
    port.on("close", () => this.onPeerGone());
    port.unref();
  }

  /** The channel's capacity. */
  get capacity(): number {
    return this.#capacity;
  }

  protected abstract onMessage(m: unknown): void;
  protected abstract onPeerGone(): void;

  /** Throws if this end was moved to another thread. */
  protected checkHere(what: string): void {
    if (this.#movedTo !== null)
      throw new Error(
        `${what} on worker channel#${this._id}: this end was moved to ${this.#movedTo}; use it there`,
      );
  }

  /**
   * A waiter starts waiting on this end: the port keeps the thread alive while
   * any does (`w.tag` marks a waiter that is counted).
   */
  protected enter(w: Waiter): void {
    if (w.tag !== null) return;
    w.tag = this;
    if (this.#refs++ === 0) this.port?.ref();
  }

  /** A waiter is done (served, failed or dropped): back to IDLE, and no longer counted. */
  protected leave(w: Waiter): void {
    w.state = IDLE;
    if (w.tag === null) return;
    w.tag = null;
    if (--this.#refs === 0) this.port?.unref();
  }

  /** @internal Hands the port over for a move; this end is unusable from now on. */
  _moveOut(to: string): MessagePort {
    this.checkHere("moving an end");
    if (this.#refs > 0)
      throw new Error(
        `cannot move worker channel#${this._id}'s end to ${to}: a task is waiting on it here`,
      );
    const port = this.port as MessagePort;
    port.removeAllListeners("message");
    port.removeAllListeners("close");
    this.#movedTo = to;
    this.port = null;
    return port;
  }
}

// ------------------------------------------------------------------ sending

class WorkerSendFuture<T> extends FutureBase<void> {
  readonly #tx: WorkerSender<T>;
  #value: T | undefined;
  readonly _w = new Waiter();

  constructor(tx: WorkerSender<T>, value: T) {
    super();
    this.#tx = tx;
    this.#value = value;
  }

  poll(cx: Context): undefined | Pending {
    const done = this.#tx._pollSend(this._w, this.#value as T, cx);
    if (done !== PENDING) this.#value = undefined;
    return done;
  }

  cancel(): void {
    this.#tx._cancelWait(this._w);
  }

  override describe(): string {
    return `send on worker channel#${this.#tx._id}${this._w.state === WAITING ? ` (${this.#tx.capacity}/${this.#tx.capacity} full)` : ""}`;
  }
}

/**
 * The sending end of a worker channel. Use it from any task of the thread that
 * holds it; pass it in `spawnWorker`'s args to move it to the worker.
 */
export class WorkerSender<T> extends End {
  #credits: number;
  #closed = false;
  /** The receiver closed, or its thread ended. */
  #peerGone = false;
  /** We told the receiver that a send waits for credit, and no credit came back since. */
  #starved = false;
  readonly #sendq = new WaitQueue();

  /** @internal Use `workerChannel()`. */
  constructor(
    id: number,
    key: string,
    port: MessagePort,
    capacity: number,
    credits: number,
    closed: boolean,
  ) {
    super(id, key, port, capacity);
    this.#credits = credits;
    this.#closed = closed;
    if (closed) this.#closePort();
  }

  /** True if sends fail now: this end was closed, or the receiver was (or its thread ended). */
  get isClosed(): boolean {
    return this.#closed || this.#peerGone;
  }

  /**
   * Sends `value` to the other thread, waiting while the receiving side holds
   * `capacity` values it has not received (backpressure across threads). The
   * value is structured-cloned.
   *
   * Cancellation: cancel-safe. A send cancelled before it completed posted
   * nothing; a completed one is on its way to the receiver.
   * Throws: `ChannelClosedError` (with `.value`) if the receiver closed, its
   * thread ended or this end was closed, also while waiting; a `DataCloneError`
   * if the value cannot be cloned (nothing was sent).
   *
   * @example
   * yield* tx.send({ line: 1 });
   */
  send(value: T): Future<void> {
    this.checkHere("send");
    return new WorkerSendFuture(this, value);
  }

  /**
   * Sends `value` at once if the receiving side has room, without waiting.
   * Throws: `ChannelFullError` if it has not (or other sends are waiting),
   * `ChannelClosedError` if closed.
   */
  trySend(value: T): void {
    this.checkHere("trySend");
    this.#checkOpen(value);
    if (this.#credits === 0 || this.#sendq.length > 0) {
      this.#askForCredit();
      throw new ChannelFullError(`trySend on full worker channel#${this._id}`, value);
    }
    this.#post(value);
  }

  /**
   * Closes this end: the receiver gets what was sent, then `done`; waiting and
   * later sends fail with `ChannelClosedError`. Closing twice does nothing.
   */
  close(): void {
    this.checkHere("close");
    if (this.#closed) return;
    this.#closed = true;
    this.#sendq.wakeAll();
    this.#closePort();
  }

  /** `using tx = …` closes the end at the end of the block. */
  [Symbol.dispose](): void {
    if (this.port !== null) this.close();
  }

  /** @internal */
  _pollSend(w: Waiter, value: T, cx: Context): undefined | Pending {
    this.#checkOpen(value, w);
    // First come, first served: a newcomer waits behind parked senders.
    if (this.#credits > 0 && (w.state !== IDLE || this.#sendq.length === 0)) {
      if (w.state === WAITING) this.#sendq.remove(w);
      this.leave(w);
      this.#post(value);
      // More credit than this send needed: the next in line may go too.
      if (this.#credits > 0 && this.#sendq.length > 0) this.#sendq.notifyOne();
      return undefined;
    }
    this.enter(w);
    this.#askForCredit();
    this.#sendq.park(w, cx.waker);
    return PENDING;
  }

  /** @internal */
  _cancelWait(w: Waiter): void {
    const wasNotified = w.state === NOTIFIED;
    this.#sendq.remove(w);
    this.leave(w);
    // A wake it will never use goes to the next in line.
    if (wasNotified && this.#credits > 0) this.#sendq.notifyOne();
  }

  /** @internal For a move. */
  _state(to: string): SenderState {
    const credits = this.#credits;
    const closed = this.#closed || this.#peerGone;
    const port = this._moveOut(to);
    return {
      kind: "sender",
      id: this._id,
      key: this._key,
      port,
      capacity: this.capacity,
      credits,
      closed,
    };
  }

  /** Out of credit: the receiver returns credit in batches, so ask for what it owes now (once). */
  #askForCredit(): void {
    if (this.#credits > 0 || this.#starved) return;
    this.#starved = true;
    (this.port as MessagePort).postMessage({ [STARVED]: this._key });
  }

  #checkOpen(value: T, w?: Waiter): void {
    if (this.#closed || this.#peerGone) {
      if (w !== undefined) this.leave(w);
      throw new ChannelClosedError(
        this.#closed
          ? `send on closed worker channel#${this._id}`
          : `send on worker channel#${this._id}: the receiver closed it, or the thread holding it ended`,
        value,
      );
    }
  }

  #post(value: T): void {
    (this.port as MessagePort).postMessage(value); // throws DataCloneError before spending credit
    this.#credits--;
  }

  #closePort(): void {
    const port = this.port;
    if (port === null) return;
    port.removeAllListeners("message");
    port.postMessage({ [CLOSED]: this._key });
    port.close();
  }

  protected onMessage(m: unknown): void {
    if (m === CLOSED_BY_RECEIVER) {
      this.onPeerGone();
      this.#closePort(); // the receiver keeps its port open until we close ours
      return;
    }
    this.#credits += m as number;
    this.#starved = false;
    if (this.#sendq.length > 0) this.#sendq.notifyOne();
  }

  protected onPeerGone(): void {
    if (this.#peerGone) return;
    this.#peerGone = true;
    this.#sendq.wakeAll();
  }
}

// ------------------------------------------------------------------ receiving

class WorkerRecvFuture<T> extends FutureBase<IteratorResult<T>> {
  readonly #rx: WorkerReceiver<T>;
  readonly _w = new Waiter();

  constructor(rx: WorkerReceiver<T>) {
    super();
    this.#rx = rx;
  }

  poll(cx: Context): IteratorResult<T> | Pending {
    return this.#rx._pollRecv(this._w, cx);
  }

  cancel(): void {
    this.#rx._cancelWait(this._w);
  }

  override describe(): string {
    return `recv on worker channel#${this.#rx._id}`;
  }
}

/**
 * The receiving end of a worker channel. Use it from any task of the thread
 * that holds it; pass it in `spawnWorker`'s args to move it to the worker.
 */
export class WorkerReceiver<T> extends End implements AsyncIterable<T> {
  /** Values arrived and not yet received, oldest first. */
  #buffer: T[];
  #head = 0;
  #closed: boolean;
  /** The sender closed, or its thread ended: nothing more will arrive. */
  #peerGone: boolean;
  /** Credits to give back, sent in one message at the end of the burst. */
  #owed = 0;
  /** Credits owed are returned once this many are due (half the capacity, at least 1). */
  readonly #batch: number;
  /** The sender said it waits for credit: return credit at once. */
  #starved = false;
  #flushQueued = false;
  readonly #recvq = new WaitQueue();

  /** @internal Use `workerChannel()`. */
  constructor(
    id: number,
    key: string,
    port: MessagePort,
    capacity: number,
    buffer: T[],
    closed: boolean,
    peerGone: boolean,
  ) {
    super(id, key, port, capacity);
    this.#batch = Math.max(1, Math.floor(capacity / 2));
    this.#buffer = buffer;
    this.#closed = closed;
    this.#peerGone = peerGone;
  }

  /** True once nothing new will arrive: the sender closed, its thread ended, or this end closed. */
  get isClosed(): boolean {
    return this.#closed || this.#peerGone;
  }

  /**
   * Receives the next value: `{done: false, value}`, or `{done: true}` once
   * the sender closed (or its thread ended) and everything it sent was received.
   *
   * Cancellation: cancel-safe; a cancelled recv took nothing.
   *
   * @example
   * for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) console.log(r.value);
   */
  recv(): Future<IteratorResult<T>> {
    this.checkHere("recv");
    return new WorkerRecvFuture(this);
  }

  /**
   * Receives a value at once if one has arrived: `{done: false, value}`, or
   * `{done: true}` if the channel is closed and drained.
   * Throws: `ChannelEmptyError` if nothing has arrived and the channel is open.
   */
  tryRecv(): IteratorResult<T> {
    this.checkHere("tryRecv");
    if (this.#length > 0 && this.#recvq.length === 0) return { done: false, value: this.#take() };
    if (this.#length === 0 && this.isClosed) return DONE;
    throw new ChannelEmptyError(`tryRecv on empty worker channel#${this._id}`);
  }

  /**
   * Closes the channel from the receiving side: the sender's sends fail from
   * now on (`ChannelClosedError`); what has arrived can still be received.
   * Closing twice does nothing.
   */
  close(): void {
    this.checkHere("close");
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#peerGone) this.port?.postMessage(CLOSED_BY_RECEIVER);
  }

  /** `using rx = …` closes the end at the end of the block. */
  [Symbol.dispose](): void {
    if (this.port !== null) this.close();
  }

  /** `for await (const v of rx)` from plain async code, until the channel is closed and drained. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return asyncIterator(() => this.recv());
  }

  get #length(): number {
    return this.#buffer.length - this.#head;
  }

  /** @internal */
  _pollRecv(w: Waiter, cx: Context): IteratorResult<T> | Pending {
    if (this.#length > 0 && (w.state !== IDLE || this.#recvq.length === 0)) {
      if (w.state === WAITING) this.#recvq.remove(w);
      this.leave(w);
      const value = this.#take();
      if (this.#length > 0 && this.#recvq.length > 0) this.#recvq.notifyOne();
      return { done: false, value };
    }
    if (this.#length === 0 && this.isClosed) {
      if (w.state === WAITING) this.#recvq.remove(w);
      this.leave(w);
      return DONE;
    }
    this.enter(w);
    this.#recvq.park(w, cx.waker);
    return PENDING;
  }

  /** @internal */
  _cancelWait(w: Waiter): void {
    const wasNotified = w.state === NOTIFIED;
    this.#recvq.remove(w);
    this.leave(w);
    if (wasNotified && (this.#length > 0 || this.isClosed)) this.#recvq.notifyOne();
  }

  /** @internal For a move. */
  _state(to: string): ReceiverState {
    this.#flush();
    const buffer = this.#buffer.slice(this.#head);
    const port = this._moveOut(to);
    return {
      kind: "receiver",
      id: this._id,
      key: this._key,
      port,
      capacity: this.capacity,
      buffer,
      closed: this.#closed,
      peerGone: this.#peerGone,
    };
  }

  #take(): T {
    const value = this.#buffer[this.#head] as T;
    this.#buffer[this.#head] = undefined as T;
    if (++this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    if (++this.#owed >= this.#batch || this.#starved) this.#flushSoon();
    return value;
  }

  /** Credits taken in one burst of receives go back in one message, at the end of the burst. */
  #flushSoon(): void {
    if (this.#flushQueued || this.#peerGone) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flushLater);
  }

  readonly #flushLater = (): void => {
    this.#flushQueued = false;
    this.#flush();
  };

  #flush(): void {
    const n = this.#owed;
    if (n > 0) this.#starved = false; // answered
    this.#owed = 0;
    if (n > 0 && !this.#peerGone && this.port !== null) this.port.postMessage(n);
  }

  protected onMessage(m: unknown): void {
    if (
      typeof m === "object" &&
      m !== null &&
      (m as Record<string, unknown>)[CLOSED] === this._key
    ) {
      this.onPeerGone();
      return;
    }
    if (
      typeof m === "object" &&
      m !== null &&
      (m as Record<string, unknown>)[STARVED] === this._key
    ) {
      this.#starved = true;
      this.#flush();
      return;
    }
    this.#buffer.push(m as T);
    if (this.#recvq.length > 0) this.#recvq.notifyOne();
  }

  protected onPeerGone(): void {
    if (this.#peerGone) return;
    this.#peerGone = true;
    this.#recvq.wakeAll();
    this.port?.close();
  }
}

/**
 * A bounded channel between threads: wave 1's `channel()` interface (`send`,
 * `trySend`, `recv` → `IteratorResult`, `tryRecv`, `close`) over a
 * `MessagePort` pair. Pass either end in `spawnWorker`'s `args` to move it to
 * the worker; values are structured-cloned. `send` waits while the receiving
 * side holds `capacity` values it has not received. Closing an end, or the
 * thread holding it ending, is seen by the other: `done` on recv, a
 * `ChannelClosedError` on send.
 *
 * Throws: `RangeError` if `capacity` is not an integer >= 1.
 *
 * @example
 * const [tx, rx] = workerChannel<string>(16);
 * const worker = spawnWorker(new URL("./producer.js", import.meta.url), { args: [tx] });
 * for (let r = yield* rx.recv(); !r.done; r = yield* rx.recv()) console.log(r.value);
 */
export function workerChannel<T>(capacity: number): [WorkerSender<T>, WorkerReceiver<T>] {
  checkCount(capacity, "workerChannel(capacity)", 1, "a worker channel needs room for one value");
  const { port1, port2 } = new MessageChannel();
  const id = ++nextChannelId;
  const key = randomUUID();
  return [
    new WorkerSender<T>(id, key, port1, capacity, capacity, false),
    new WorkerReceiver<T>(id, key, port2, capacity, [], false, false),
  ];
}

/** @internal Rebuilds an end moved to this thread. */
export function reviveEnd(
  state: SenderState | ReceiverState,
): WorkerSender<unknown> | WorkerReceiver<unknown> {
  if (state.kind === "sender")
    return new WorkerSender(
      state.id,
      state.key,
      state.port,
      state.capacity,
      state.credits,
      state.closed,
    );
  return new WorkerReceiver(
    state.id,
    state.key,
    state.port,
    state.capacity,
    state.buffer,
    state.closed,
    state.peerGone,
  );
}
