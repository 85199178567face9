/**
 * The channel core: one reservation protocol under `channel(capacity)`,
 * `unboundedChannel()` (channel.ts) and asyncio's `Queue`, `PriorityQueue` and
 * `LifoQueue` (queue.ts), as Tokio's `mpsc/chan.rs` sits under `bounded.rs`
 * and `unbounded.rs`. The handles over it are thin: they choose the store,
 * the errors and their messages, and add what is theirs alone (sender
 * handles; a queue's `join`/`taskDone`).
 *
 * The model
 * ---------
 * A store of items (channel-stores.ts: a ring for first-in first-out, a heap
 * for priority, a stack for last-in first-out), a capacity (Infinity when
 * unbounded), and two parking-lot queues: receivers waiting for an item,
 * senders waiting for a free slot. Items change hands only inside a future's
 * `poll()`; what a waker carries is a *reservation*:
 *
 * - When an item arrives and a receiver waits, one item is reserved for the
 *   first receiver in line (`#itemsReserved++`, the receiver is NOTIFIED). Its
 *   next poll takes an item (whichever the store hands out then); if it is
 *   cancelled first it gives the reservation back, which passes it on to the
 *   next receiver in line.
 * - When a slot frees up and a sender waits, the slot is reserved for the first
 *   sender (`#slotsReserved++`). Its next poll puts its value there; if it is
 *   cancelled first, the slot goes to the next sender in line.
 *
 * So a newcomer (a `trySend`, a fresh `recv`) can never take what is promised
 * to a waiter: FIFO fairness among waiters and no lost wake-ups, whatever is
 * cancelled when.
 *
 * Closing: no send succeeds once `closeSends()` was called (a channel's
 * `Receiver.close()`, a queue's `shutdown()`: waiting sends fail too, having
 * sent nothing), nor through a sender handle that was closed. Channels count
 * their open `Sender` handles (`addSender`/`senderClosed`); when the last one
 * closes, the core is closed as well. A queue has no handles: its sends pass
 * `NO_HANDLE`. Receivers drain what is buffered, then get CLOSED. `clear()`
 * (a queue's `shutdown(true)`) drops what a closed core still holds.
 *
 * What the core returns: values and sentinels (`PENDING`, `CLOSED`, `FULL`,
 * `EMPTY`), never its own errors, so each handle throws its own kind
 * (`ChannelClosedError` with the value, `QueueShutDownError`, ...).
 *
 * Built on top: `pollReserve` is the slot half of `pollSend` without the
 * push (a held permit stays counted in `#slotsReserved` until `sendHeld` or
 * `releaseHeld`); `pollRecvMany` takes the reserved item and then every
 * unpromised one; cloned receivers are a count like `#senders`; a sender's
 * `waitClosed()` waits on an `Event` set by `closeSends()`.
 *
 * Rendezvous (capacity 0): a *waiting* receiver counts as a free slot; there
 * is no buffer of its own. The promise both ways (a send that ends cancelled
 * delivered nothing, a recv that ends cancelled took nothing) needs the
 * hand-off to be undoable on whichever side is woken second, since that side
 * can be dropped between its wake-up and its poll. A value taken from a
 * parked sender cannot be given back to a sender that was dropped, so the
 * value changes hands in the *sender's* poll: it finds a waiting receiver
 * (or, parked, is woken with one promised to it, `#slotsReserved`), pushes
 * its value, which is promised to that receiver as any item is, and
 * completes. The receiver, woken second, takes it in its poll; dropped
 * first, it passes the value to the next waiting receiver, or, with none,
 * the value stays buffered (so `#len` may exceed 0) for the next receive:
 * nothing is lost and that receive took nothing. So a rendezvous `send`
 * completes once a waiting receiver was handed its value, not once that
 * receiver's task ran. A sender granted a receiver that left before its poll
 * parks again (at the back of the line). A reserve holds a waiting receiver;
 * a receiver that leaves while the permit is held leaves the permit's value
 * buffered for the next receive.
 *
 * Who may change what: everything here changes only synchronously, inside a
 * poll, a `cancel()` or a plain method (`trySend`, `close`), from any task,
 * runtime or plain async code.
 */
import { cur } from "../core/current.js";
import type { Context, Pending } from "../core/future.js";
import * as future from "../core/future.js";
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, SHARED, touch } from "../core/touch.js";
import { RingStore, type Store } from "./channel-stores.js";
import { Event } from "./event.js";

/** What `recv()` returns once the channel is closed and drained (shared: it is frozen). */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
}) as IteratorReturnResult<undefined>;

/** A send or receive found the core closed (for a receive: closed and drained). */
export const CLOSED: unique symbol = Symbol("corio.closed");
/** `trySend`: no free slot (or every free slot is promised to a waiting sender). */
export const FULL: unique symbol = Symbol("corio.full");
/** `tryRecv`: no item (or every item is promised to a waiting receiver). */
export const EMPTY: unique symbol = Symbol("corio.empty");

let nextId = 0;

// Local copies of sentinels, this module's own exported CLOSED included (future.ts says why).
const PENDING: typeof future.PENDING = future.PENDING;
const CLOSED_LOCAL: typeof CLOSED = CLOSED;

/** A receive's outcome as `recv()` gives it: `{ done: false, value }`, `DONE` once closed, or PENDING. */
export function iteratorResult<T>(r: T | Pending | typeof CLOSED): IteratorResult<T> | Pending {
  if (r === PENDING) return PENDING;
  return r === CLOSED_LOCAL ? DONE : { done: false, value: r as T };
}

/** A pending send's side of the core: its waiter, its value and whose send it is. */
export interface SendOp<T> {
  waiter: Waiter | null;
  value: T | undefined;
  readonly sender: SenderHandle;
  /**
   * Called once the send completed or was dropped: the future may be reused.
   * Not called when the poll returns CLOSED: the caller reads `value` for its
   * error first, then releases.
   */
  release(): void;
}

/** A pending receive's side of the core. */
export interface RecvOp {
  waiter: Waiter | null;
  /** Called once the receive completed (an item or CLOSED) or was dropped. */
  release(): void;
}

/** What the core needs to know of a sender handle. */
export interface SenderHandle {
  readonly handleClosed: boolean;
}

/** The sender of a core without sender handles (a queue): never closed. */
export const NO_HANDLE: SenderHandle = Object.freeze({ handleClosed: false });

export class Chan<T> {
  readonly capacity: number;
  #id = 0;
  readonly #store: Store<T>;
  // Invariant: 0 <= #len <= capacity, and #len === #store.size.
  #len = 0;
  // Invariant: 0 <= #itemsReserved <= #len, and recvq non-empty => #itemsReserved === #len
  // (an item nobody has been promised goes to the first waiting receiver at once).
  // Exception: once clear() has dropped items promised to notified receivers, #itemsReserved
  // counts those receivers until each has polled (and found nothing) or was dropped.
  #itemsReserved = 0;
  // Invariant: #len + #slotsReserved <= capacity, and sendq non-empty =>
  // #len + #slotsReserved === capacity (a free slot goes to the first waiting sender at once).
  #slotsReserved = 0;
  readonly recvq = new WaitQueue();
  readonly sendq = new WaitQueue();
  /** Open sender handles; at 0 the core is closed. */
  #senders = 1;
  /** Open receiver handles (`Receiver.clone()`); at 0 sends are closed. */
  #receivers = 1;
  /** Set by `closeSends()`: what `Sender.waitClosed()` waits on; made on first use. */
  #sendsClosedEvent: Event | null = null;
  /** `closeSends()` was called: no more sends. */
  #sendsClosed = false;
  /** clear() dropped items promised to notified receivers (see #itemsReserved). */
  #cleared = false;
  #owner: Owner = initialOwner();

  /** `store` decides which item a receive takes; first in, first out by default. */
  constructor(capacity: number, store: Store<T> = new RingStore<T>()) {
    this.capacity = capacity;
    this.#store = store;
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
   * Closed: no send can succeed any more (`closeSends()`, or every sender
   * handle closed), and receivers get CLOSED once the store is drained.
   */
  get closed(): boolean {
    return this.#sendsClosed || this.#senders === 0;
  }

  /** `closeSends()` was called (a channel's receiver closed, a queue was shut down). */
  get sendsClosed(): boolean {
    return this.#sendsClosed;
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#owner === rt;
  }

  /** Records a use by the caller that is none of the operations below (a queue's `taskDone`). */
  touch(): void {
    this.#owner = touch(this.#owner);
  }

  // ------------------------------------------------------------ sending

  // The hot paths below (pollSend, pollRecv, #push, #take) are kept small and
  // their rare cases out of line, so V8 inlines them into the executor's poll:
  // measured, that halves the cost of a ready send + recv.

  /** The poll of a send: undefined once sent, PENDING, or CLOSED (nothing sent, `op` not released). */
  pollSend(op: SendOp<T>, cx: Context): undefined | Pending | typeof CLOSED {
    const by = cur.task === null ? SHARED : cur.rt;
    if (by !== this.#owner) this.#owner = touch(this.#owner);
    const w = op.waiter;
    if (
      (w === null || w.state === IDLE) &&
      this.#len + this.#slotsReserved < this.capacity &&
      !this.#sendsClosed &&
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
      this.#sendsClosed ||
      op.sender.handleClosed ||
      (this.capacity === 0 && this.recvq.length > this.#slotsReserved)
    );
  }

  #pollSendSlow(op: SendOp<T>, cx: Context): undefined | Pending | typeof CLOSED {
    const w = op.waiter;
    if (w !== null && w.state !== IDLE) {
      if (w.state === WAITING) {
        this.sendq.park(w, cx.waker); // spurious poll: keep the place in line
        return PENDING;
      }
      // NOTIFIED: a slot was reserved for this send.
      w.state = IDLE;
      this.#slotsReserved--;
      if (this.#sendsClosed || op.sender.handleClosed) {
        this.#grantSlot();
        return CLOSED;
      }
      if (this.capacity === 0 && this.recvq.length <= this.#slotsReserved) {
        // Rendezvous: the receiver promised to this send left before its poll.
        this.sendq.park(w, cx.waker);
        return PENDING;
      }
      this.#push(op.value as T);
      op.release();
      return undefined;
    }
    if (this.#sendsClosed || op.sender.handleClosed) return CLOSED;
    if (this.capacity === 0 && this.recvq.length > this.#slotsReserved) {
      // Rendezvous: hand the value to the first waiting receiver nobody promised a send.
      this.#push(op.value as T);
      op.release();
      return undefined;
    }
    // Full (the fast path took every other case).
    return this.#parkSender(op, w, cx);
  }

  /** Parks a send or reserve at the back of the line, with its waiter made on its first wait. */
  #parkSender(op: SendOp<T>, waiter: Waiter | null, cx: Context): Pending {
    let w = waiter;
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

  /**
   * The poll of a reserve (`tx.reserve()`): undefined once a slot is *held*
   * for the caller, PENDING, or CLOSED (nothing held, `op` not released). A
   * held slot stays counted in `#slotsReserved` (so every invariant above
   * holds as for a notified sender) until `sendHeld` fills it or
   * `releaseHeld` gives it back. Waiting and cancelling are a send's:
   * `cancelSend` passes a slot granted but not yet polled to the next sender.
   */
  pollReserve(op: SendOp<T>, cx: Context): undefined | Pending | typeof CLOSED {
    this.#owner = touch(this.#owner);
    const w = op.waiter;
    if (w !== null && w.state !== IDLE) {
      if (w.state === WAITING) {
        this.sendq.park(w, cx.waker);
        return PENDING;
      }
      // NOTIFIED: the slot granted to this wait is now held.
      w.state = IDLE;
      if (this.#sendsClosed || op.sender.handleClosed) {
        this.#slotsReserved--;
        this.#grantSlot();
        return CLOSED;
      }
      if (this.capacity === 0 && this.recvq.length < this.#slotsReserved) {
        // Rendezvous: the receiver granted to this wait left before its poll.
        this.#slotsReserved--;
        this.sendq.park(w, cx.waker);
        return PENDING;
      }
      op.release();
      return undefined;
    }
    if (this.#sendsClosed || op.sender.handleClosed) return CLOSED;
    if (this.#hasFreeSlot()) {
      this.#slotsReserved++;
      op.release();
      return undefined;
    }
    return this.#parkSender(op, w, cx);
  }

  /** Fills a held slot: undefined once sent, or CLOSED (the slot is given back, nothing sent). */
  sendHeld(value: T, sender: SenderHandle): undefined | typeof CLOSED {
    this.#owner = touch(this.#owner);
    this.#slotsReserved--;
    if (this.#sendsClosed || sender.handleClosed) {
      this.#grantSlot();
      return CLOSED;
    }
    this.#push(value);
    return undefined;
  }

  /** Gives a held slot back unused: it goes to the first waiting sender. */
  releaseHeld(): void {
    this.#owner = touch(this.#owner);
    this.#slotsReserved--;
    this.#grantSlot();
  }

  /** Sends at once: undefined once sent, or FULL / CLOSED (nothing sent). */
  trySend(value: T, sender: SenderHandle): undefined | typeof FULL | typeof CLOSED {
    this.#owner = touch(this.#owner);
    if (this.#sendsClosed || sender.handleClosed) return CLOSED;
    if (!this.#hasFreeSlot()) return FULL;
    this.#push(value);
    return undefined;
  }

  #push(value: T): void {
    this.#store.push(value);
    this.#len++;
    if (this.recvq.length > 0) this.#grantItem();
  }

  /** An item nobody was promised arrived while receivers wait: promise it to the first. */
  #grantItem(): void {
    // Invariant said #itemsReserved === #len - 1.
    this.#itemsReserved++;
    this.recvq.notifyOne();
  }

  /**
   * A send now would not wait: a free slot nobody was promised, or, for a
   * rendezvous, a waiting receiver no sender was promised.
   */
  #hasFreeSlot(): boolean {
    return this.capacity === 0
      ? this.recvq.length > this.#slotsReserved
      : this.#len + this.#slotsReserved < this.capacity;
  }

  /** A slot is free: hand it to the first waiting sender. */
  #grantSlot(): void {
    if (this.sendq.length > 0 && this.#hasFreeSlot()) {
      this.#slotsReserved++;
      this.sendq.notifyOne();
    }
  }

  // ------------------------------------------------------------ receiving

  /** The poll of a receive: an item, PENDING, or CLOSED once closed and drained. */
  pollRecv(op: RecvOp, cx: Context): T | Pending | typeof CLOSED {
    const by = cur.task === null ? SHARED : cur.rt;
    if (by !== this.#owner) this.#owner = touch(this.#owner);
    const w = op.waiter;
    if ((w === null || w.state === IDLE) && this.#len > this.#itemsReserved) {
      op.release();
      return this.#take();
    }
    return this.#pollRecvSlow(op, cx);
  }

  /**
   * The poll of a receive of up to `max` items: as `pollRecv` for the first
   * (waiting, keeping its place, taking a reserved item), then every buffered
   * item nobody was promised, up to `max`, in the same poll.
   */
  pollRecvMany(op: RecvOp, cx: Context, max: number): T[] | Pending | typeof CLOSED {
    const first = this.pollRecv(op, cx);
    if (first === PENDING || first === CLOSED_LOCAL) return first as Pending | typeof CLOSED;
    const items = [first as T];
    while (items.length < max && this.#len > this.#itemsReserved) items.push(this.#take());
    return items;
  }

  /** False only if a receive now would surely wait (see `InlineFuture.mayBeReady`). */
  recvMayBeReady(op: RecvOp): boolean {
    const w = op.waiter;
    return (
      (w !== null && w.state === NOTIFIED) ||
      this.#len > this.#itemsReserved ||
      this.#sendsClosed ||
      this.#senders === 0
    );
  }

  #pollRecvSlow(op: RecvOp, cx: Context): T | Pending | typeof CLOSED {
    let w = op.waiter;
    if (w !== null && w.state !== IDLE) {
      if (w.state === WAITING) {
        this.recvq.park(w, cx.waker);
        return PENDING;
      }
      // NOTIFIED: an item was reserved for this receive.
      w.state = IDLE;
      this.#itemsReserved--;
      if (this.#len > 0) {
        op.release();
        return this.#take();
      }
      // clear() dropped it: the core is closed and empty, so this ends below.
    }
    // Nothing unpromised is buffered (the fast path took that case).
    // Closed only once drained: items promised to other receivers may still
    // come back to the line if those receivers are cancelled.
    if (this.#len === 0 && this.closed) {
      op.release();
      return CLOSED;
    }
    if (w === null) {
      w = new Waiter();
      op.waiter = w;
    }
    this.recvq.park(w, cx.waker);
    // Rendezvous: a waiting receiver is a free slot for the first waiting sender.
    if (this.capacity === 0) this.#grantSlot();
    return PENDING;
  }

  /** A receive future was dropped: leave the line, or pass a reserved item on. */
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

  /** An item at once, CLOSED if closed and drained, or EMPTY. */
  tryRecv(): T | typeof EMPTY | typeof CLOSED {
    this.#owner = touch(this.#owner);
    if (this.#len > this.#itemsReserved) return this.#take();
    if (this.#len === 0 && this.closed) return CLOSED;
    return EMPTY;
  }

  #take(): T {
    const value = this.#store.pop();
    if (--this.#len === 0) this.#drained();
    if (this.sendq.length > 0) this.#grantSlot();
    return value;
  }

  #drained(): void {
    // Receivers parked behind items promised to others learn now that it is over.
    if (this.recvq.length > 0 && this.closed) this.recvq.wakeAll();
  }

  // ------------------------------------------------------------ closing

  /** One more open sender handle (`Sender.clone()`). */
  addSender(): void {
    this.#owner = touch(this.#owner);
    this.#senders++;
  }

  /** A sender handle closed: its pending sends fail; the last one closes the core. */
  senderClosed(sender: SenderHandle): void {
    this.#owner = touch(this.#owner);
    this.sendq.wakeTagged(sender);
    if (--this.#senders === 0 && this.#len === 0) this.recvq.wakeAll();
  }

  get receivers(): number {
    return this.#receivers;
  }

  /** One more open receiver handle (`Receiver.clone()`). */
  addReceiver(): void {
    this.#owner = touch(this.#owner);
    this.#receivers++;
  }

  /** A receiver handle closed: the last one closes sends (`closeSends()`). */
  receiverClosed(): void {
    if (--this.#receivers === 0) this.closeSends();
  }

  /** Set once `closeSends()` was called: what a sender's `waitClosed()` waits on. */
  sendsClosedEvent(): Event {
    if (this.#sendsClosedEvent === null) {
      this.#sendsClosedEvent = new Event();
      if (this.#sendsClosed) this.#sendsClosedEvent.set();
    }
    return this.#sendsClosedEvent;
  }

  /** No more sends, waiting ones included; what is buffered stays receivable. Idempotent. */
  closeSends(): void {
    this.#owner = touch(this.#owner);
    if (this.#sendsClosed) return;
    this.#sendsClosed = true;
    this.#sendsClosedEvent?.set();
    this.sendq.wakeAll();
    if (this.#len === 0) this.recvq.wakeAll();
  }

  /**
   * Drops everything buffered in a closed core; returns how many items. A
   * receiver an item was promised to finds nothing at its next poll and gets
   * CLOSED, as the waiting ones do at once.
   */
  clear(): number {
    if (!this.closed) throw new Error(`channel#${this.id}: clear() on an open channel core`);
    this.#owner = touch(this.#owner);
    const n = this.#len;
    if (n === 0) return 0;
    this.#store.clear();
    this.#len = 0;
    if (this.#itemsReserved > 0) this.#cleared = true;
    this.recvq.wakeAll();
    return n;
  }

  /** Checks every invariant above; throws if one is broken (tests call it). */
  check(label = `channel#${this.id}`): void {
    this.recvq.check();
    this.sendq.check();
    const fail = (what: string): never => {
      throw new Error(`${label}: ${what}`);
    };
    if (this.#len !== this.#store.size)
      fail(`length ${this.#len} but the store holds ${this.#store.size}`);
    // A rendezvous may buffer values whose receivers were dropped after the hand-off.
    if (this.#len < 0 || (this.#len > this.capacity && this.capacity !== 0))
      fail(`length ${this.#len} out of range`);
    if (this.#itemsReserved < 0 || (this.#itemsReserved > this.#len && !this.#cleared))
      fail(`itemsReserved ${this.#itemsReserved} with ${this.#len} buffered`);
    if (this.recvq.length > 0 && this.#itemsReserved < this.#len)
      fail("a receiver waits while an item nobody was promised is buffered");
    if (this.capacity === 0) {
      // Rendezvous: a grant may outlive the receiver it counted (that sender parks again).
      if (this.#slotsReserved < 0) fail(`slotsReserved ${this.#slotsReserved}`);
      if (this.sendq.length > 0 && this.#hasFreeSlot() && !this.#sendsClosed)
        fail("a sender waits while a receiver nobody promised a send waits");
      return;
    }
    if (this.#slotsReserved < 0 || this.#len + this.#slotsReserved > this.capacity)
      fail(`slotsReserved ${this.#slotsReserved} with ${this.#len} buffered`);
    if (
      this.sendq.length > 0 &&
      this.#len + this.#slotsReserved !== this.capacity &&
      !this.#sendsClosed
    )
      fail("a sender waits while a free slot nobody was promised exists");
  }
}
