/**
 * The channel core shared by `channel(capacity)` and `unboundedChannel()` (as
 * Tokio's `mpsc/chan.rs` sits under `bounded.rs` and `unbounded.rs`).
 *
 * The model
 * ---------
 * A ring buffer of messages, a capacity (Infinity when unbounded), and two
 * parking-lot queues: receivers waiting for a message, senders waiting for a
 * free slot. Messages change hands only inside a future's `poll()`; what a
 * waker carries is a *reservation*:
 *
 * - When a message arrives and a receiver waits, that message is reserved for
 *   the first receiver in line (`#itemsReserved++`, the receiver is NOTIFIED).
 *   Its next poll takes a message; if it is cancelled first it gives the
 *   reservation back, which passes it on to the next receiver in line.
 * - When a slot frees up and a sender waits, the slot is reserved for the first
 *   sender (`#slotsReserved++`). Its next poll puts its value there; if it is
 *   cancelled first, the slot goes to the next sender in line.
 *
 * So a newcomer (a `trySend`, a fresh `recv`) can never take what is promised
 * to a waiter: FIFO fairness and no lost wake-ups, whatever is cancelled when.
 *
 * Closing: each open `Sender` handle is counted; when the last one closes,
 * receivers drain what is buffered and then see `done`. `Receiver.close()`
 * stops all sends at once (pending ones fail with `ChannelClosedError`, having
 * sent nothing); what is buffered can still be received.
 *
 * Who may change what: everything here changes only synchronously, inside a
 * poll, a `cancel()` or a plain method (`trySend`, `close`), from any task,
 * runtime or plain async code.
 */
import { cur } from "../core/current.js";
import type { Context, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, SHARED, touch } from "../core/touch.js";
import { ChannelClosedError, ChannelEmptyError, ChannelFullError } from "./errors.js";

/** What `recv()` returns once the channel is closed and drained (shared: it is frozen). */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
}) as IteratorReturnResult<undefined>;

/** A buffer that grew past this while a burst passed is given back when it drains. */
const SHRINK_ABOVE = 4096;
const INITIAL_SIZE = 16;

let nextId = 0;

/** A pending operation's side of the core: its waiter and whose send it is. */
export interface SendOp<T> {
  waiter: Waiter | null;
  value: T | undefined;
  readonly sender: SenderHandle;
  /** Called once the operation completed or failed: the future may be reused. */
  release(): void;
}

export interface RecvOp {
  waiter: Waiter | null;
  release(): void;
}

/** What the core needs to know of a sender handle. */
export interface SenderHandle {
  readonly handleClosed: boolean;
}

export class Chan<T> {
  readonly capacity: number;
  #id = 0;
  #buf: (T | undefined)[];
  #mask: number;
  #head = 0;
  // Invariant: 0 <= #len <= capacity; live items are #buf[(#head + i) & #mask], i < #len.
  #len = 0;
  // Invariant: 0 <= #itemsReserved <= #len, and recvq non-empty => #itemsReserved === #len
  // (a message nobody has been promised goes to the first waiting receiver at once).
  #itemsReserved = 0;
  // Invariant: #len + #slotsReserved <= capacity, and sendq non-empty =>
  // #len + #slotsReserved === capacity (a free slot goes to the first waiting sender at once).
  #slotsReserved = 0;
  readonly recvq = new WaitQueue();
  readonly sendq = new WaitQueue();
  /** Open sender handles; at 0 the channel is closed for receivers once drained. */
  #senders = 1;
  /** Closed by the receiver: no more sends. */
  #rxClosed = false;
  #owner: Owner = initialOwner();

  constructor(capacity: number) {
    this.capacity = capacity;
    // The buffer starts small and doubles as needed: it never outgrows the
    // power of two above `capacity`, and a huge capacity costs nothing up front.
    this.#buf = new Array<T | undefined>(INITIAL_SIZE).fill(undefined);
    this.#mask = INITIAL_SIZE - 1;
  }

  get id(): number {
    if (this.#id === 0) this.#id = ++nextId;
    return this.#id;
  }

  get length(): number {
    return this.#len;
  }

  get senders(): number {
    return this.#senders;
  }

  /**
   * Closed: no send can succeed any more (the receiver closed, or every
   * sender did), and receivers see `done` once the buffer is drained.
   */
  get closed(): boolean {
    return this.#rxClosed || this.#senders === 0;
  }

  get rxClosed(): boolean {
    return this.#rxClosed;
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#owner === rt;
  }

  // ------------------------------------------------------------ sending

  // The hot paths below (pollSend, pollRecv, #push, #take) are kept small and
  // their rare cases out of line, so V8 inlines them into the executor's poll:
  // measured, that halves the cost of a ready send + recv.

  /** The poll of a send: ready (undefined), PENDING, or throws ChannelClosedError. */
  pollSend(op: SendOp<T>, cx: Context): undefined | Pending {
    const by = cur.task === null ? SHARED : cur.rt;
    if (by !== this.#owner) this.#owner = touch(this.#owner);
    const w = op.waiter;
    if (
      (w === null || w.state === IDLE) &&
      this.#len + this.#slotsReserved < this.capacity &&
      !this.#rxClosed &&
      !op.sender.handleClosed
    ) {
      this.#push(op.value as T);
      op.release();
      return undefined;
    }
    return this.#pollSendSlow(op, cx);
  }

  /** False only if a send now would surely wait (see `InlineFuture.mayBeReady`). */
  sendMayBeReady(op: SendOp<T>): boolean {
    const w = op.waiter;
    return (
      (w !== null && w.state === NOTIFIED) ||
      this.#len + this.#slotsReserved < this.capacity ||
      this.#rxClosed ||
      op.sender.handleClosed
    );
  }

  #pollSendSlow(op: SendOp<T>, cx: Context): undefined | Pending {
    let w = op.waiter;
    if (w !== null && w.state !== IDLE) {
      if (w.state === WAITING) {
        this.sendq.park(w, cx.waker); // spurious poll: keep the place in line
        return PENDING;
      }
      // NOTIFIED: a slot was reserved for this send.
      w.state = IDLE;
      this.#slotsReserved--;
      if (this.#rxClosed || op.sender.handleClosed) {
        this.#grantSlot();
        throw this.#sendClosed(op);
      }
      this.#push(op.value as T);
      op.release();
      return undefined;
    }
    if (this.#rxClosed || op.sender.handleClosed) throw this.#sendClosed(op);
    // Full (the fast path took every other case).
    if (w === null) {
      w = new Waiter();
      w.tag = op.sender;
      op.waiter = w;
    }
    this.sendq.park(w, cx.waker);
    return PENDING;
  }

  /** A send future was dropped: leave the line, or pass a reserved slot on. */
  cancelSend(op: SendOp<T>): void {
    const w = op.waiter;
    if (w !== null) {
      if (w.state === WAITING) {
        this.sendq.remove(w);
      } else if (w.state === NOTIFIED) {
        w.state = IDLE;
        this.#slotsReserved--;
        this.#grantSlot();
      }
    }
    op.release();
  }

  /** Sends at once or throws ChannelFullError / ChannelClosedError. */
  trySend(value: T, sender: SenderHandle): void {
    this.#owner = touch(this.#owner);
    if (this.#rxClosed || sender.handleClosed) {
      throw new ChannelClosedError(this.#closedMessage(sender), value);
    }
    if (this.#len + this.#slotsReserved >= this.capacity) {
      throw new ChannelFullError(
        `trySend on a full channel#${this.id} (capacity ${this.capacity})`,
        value,
      );
    }
    this.#push(value);
  }

  #push(value: T): void {
    if (this.#len > this.#mask) this.#grow();
    this.#buf[(this.#head + this.#len) & this.#mask] = value;
    this.#len++;
    if (this.recvq.length > 0) this.#grantItem();
  }

  /** A message nobody was promised arrived while receivers wait: promise it to the first. */
  #grantItem(): void {
    // Invariant said #itemsReserved === #len - 1.
    this.#itemsReserved++;
    this.recvq.notifyOne();
  }

  /** A slot is free: hand it to the first waiting sender. */
  #grantSlot(): void {
    if (this.sendq.length > 0 && this.#len + this.#slotsReserved < this.capacity) {
      this.#slotsReserved++;
      this.sendq.notifyOne();
    }
  }

  #sendClosed(op: SendOp<T>): ChannelClosedError {
    const value = op.value;
    op.release();
    return new ChannelClosedError(this.#closedMessage(op.sender), value);
  }

  #closedMessage(sender: SenderHandle): string {
    return sender.handleClosed
      ? `send on a closed sender of channel#${this.id}`
      : `send on channel#${this.id}, which its receiver closed`;
  }

  // ------------------------------------------------------------ receiving

  /** The poll of a recv: a message, DONE once closed and drained, or PENDING. */
  pollRecv(op: RecvOp, cx: Context): IteratorResult<T> | Pending {
    const by = cur.task === null ? SHARED : cur.rt;
    if (by !== this.#owner) this.#owner = touch(this.#owner);
    const w = op.waiter;
    if ((w === null || w.state === IDLE) && this.#len > this.#itemsReserved) {
      op.release();
      return { done: false, value: this.#take() };
    }
    return this.#pollRecvSlow(op, cx);
  }

  /** False only if a receive now would surely wait (see `InlineFuture.mayBeReady`). */
  recvMayBeReady(op: RecvOp): boolean {
    const w = op.waiter;
    return (
      (w !== null && w.state === NOTIFIED) ||
      this.#len > this.#itemsReserved ||
      this.#rxClosed ||
      this.#senders === 0
    );
  }

  #pollRecvSlow(op: RecvOp, cx: Context): IteratorResult<T> | Pending {
    let w = op.waiter;
    if (w !== null && w.state !== IDLE) {
      if (w.state === WAITING) {
        this.recvq.park(w, cx.waker);
        return PENDING;
      }
      // NOTIFIED: a message was reserved for this receive.
      w.state = IDLE;
      this.#itemsReserved--;
      op.release();
      return { done: false, value: this.#take() };
    }
    // Nothing unpromised is buffered (the fast path took that case).
    // Done only once drained: messages promised to other receivers may still
    // come back to the line if those receivers are cancelled.
    if (this.#len === 0 && (this.#rxClosed || this.#senders === 0)) {
      op.release();
      return DONE;
    }
    if (w === null) {
      w = new Waiter();
      op.waiter = w;
    }
    this.recvq.park(w, cx.waker);
    return PENDING;
  }

  /** A recv future was dropped: leave the line, or pass a reserved message on. */
  cancelRecv(op: RecvOp): void {
    const w = op.waiter;
    if (w !== null) {
      if (w.state === WAITING) {
        this.recvq.remove(w);
      } else if (w.state === NOTIFIED) {
        w.state = IDLE;
        this.#itemsReserved--;
        if (this.recvq.length > 0 && this.#len > this.#itemsReserved) {
          this.#itemsReserved++;
          this.recvq.notifyOne();
        }
      }
    }
    op.release();
  }

  /** A message at once, DONE if closed and drained, or throws ChannelEmptyError. */
  tryRecv(): IteratorResult<T> {
    this.#owner = touch(this.#owner);
    if (this.#len > this.#itemsReserved) return { done: false, value: this.#take() };
    if (this.#len === 0 && (this.#rxClosed || this.#senders === 0)) return DONE;
    throw new ChannelEmptyError(`tryRecv on an empty channel#${this.id}`);
  }

  #take(): T {
    const i = this.#head;
    const value = this.#buf[i] as T;
    this.#buf[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    if (--this.#len === 0) this.#drained();
    if (this.sendq.length > 0) this.#grantSlot();
    return value;
  }

  #drained(): void {
    if (this.#mask >= SHRINK_ABOVE) this.#shrink();
    // Receivers parked behind messages promised to others learn now that it is over.
    if (this.recvq.length > 0 && (this.#rxClosed || this.#senders === 0)) this.recvq.wakeAll();
  }

  // ------------------------------------------------------------ closing

  /** One more open sender handle (`Sender.clone()`). */
  addSender(): void {
    this.#owner = touch(this.#owner);
    this.#senders++;
  }

  /** A sender handle closed: its pending sends fail; the last one closes the channel. */
  senderClosed(sender: SenderHandle): void {
    this.#owner = touch(this.#owner);
    this.sendq.wakeTagged(sender);
    if (--this.#senders === 0 && this.#len === 0) this.recvq.wakeAll();
  }

  /** The receiver closed: every send fails from now on; buffered messages stay receivable. */
  closeRx(): void {
    this.#owner = touch(this.#owner);
    if (this.#rxClosed) return;
    this.#rxClosed = true;
    this.sendq.wakeAll();
    if (this.#len === 0) this.recvq.wakeAll();
  }

  // ------------------------------------------------------------ buffer

  #grow(): void {
    const old = this.#buf;
    const oldMask = this.#mask;
    const buf = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.#len; i++) buf[i] = old[(this.#head + i) & oldMask];
    this.#buf = buf;
    this.#mask = buf.length - 1;
    this.#head = 0;
  }

  #shrink(): void {
    this.#buf = new Array<T | undefined>(INITIAL_SIZE).fill(undefined);
    this.#mask = INITIAL_SIZE - 1;
    this.#head = 0;
  }

  /** Checks every invariant above; throws if one is broken (tests call it). */
  check(): void {
    this.recvq.check();
    this.sendq.check();
    const fail = (what: string): never => {
      throw new Error(`channel#${this.id}: ${what}`);
    };
    if (this.#len < 0 || this.#len > this.capacity) fail(`length ${this.#len} out of range`);
    if (this.#itemsReserved < 0 || this.#itemsReserved > this.#len)
      fail(`itemsReserved ${this.#itemsReserved} with ${this.#len} buffered`);
    if (this.recvq.length > 0 && this.#itemsReserved !== this.#len)
      fail("a receiver waits while a message nobody was promised is buffered");
    if (this.#slotsReserved < 0 || this.#len + this.#slotsReserved > this.capacity)
      fail(`slotsReserved ${this.#slotsReserved} with ${this.#len} buffered`);
    if (
      this.sendq.length > 0 &&
      this.#len + this.#slotsReserved !== this.capacity &&
      !this.#rxClosed
    )
      fail("a sender waits while a free slot nobody was promised exists");
  }
}
