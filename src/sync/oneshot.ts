/**
 * `oneshot()`: one value, sent once, received once (Tokio's `sync::oneshot`),
 * the reply half of a request/response over a channel.
 *
 * States of the cell:
 *   EMPTY ──tx.send(v)──▶ SENT ──a receive takes it──▶ TAKEN
 *     └──tx.close() / rx.close()──▶ CLOSED        (SENT ──rx.close()──▶ CLOSED: the value is dropped)
 *
 * The value changes hands only inside the receiver's poll: a cancelled
 * `yield* rx` took nothing and the value is still there for the next one.
 * Receivers waiting (normally one task) wait in the parking lot; a send
 * notifies the first, and one cancelled after that passes the notice on.
 */
import type { Context, Future, Pending, Suspend } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { ChannelClosedError, ChannelEmptyError } from "./errors.js";
import { Event } from "./event.js";
import { InlineFuture } from "./inline.js";

const EMPTY = 0;
const SENT = 1;
const TAKEN = 2;
const CLOSED = 3;
type CellState = typeof EMPTY | typeof SENT | typeof TAKEN | typeof CLOSED;

const STATE_NAMES = ["empty", "sent", "received", "closed"] as const;

/** What `statistics()` reports for a oneshot. */
export interface OneshotStatistics {
  /** "empty" (nothing sent yet), "sent", "received" or "closed". */
  state: (typeof STATE_NAMES)[number];
  /** Tasks (or promises) waiting to receive. */
  waiting: number;
}

let nextId = 0;

class Cell<T> {
  state: CellState = EMPTY;
  value: T | undefined = undefined;
  /** The sent value is promised to a notified receiver (a newcomer may not take it). */
  reserved = false;
  /** Why it closed, for the receiver's error. */
  closedBy: "sender" | "receiver" | null = null;
  readonly q = new WaitQueue();
  owner: Owner = initialOwner();
  readonly id = ++nextId;
  /** The receiver closed or took the value. */
  receiverDone = false;
  /** Set once `receiverDone` (`tx.waitClosed()`); made on first use. */
  receiverDoneEvent: Event | null = null;

  /** Takes the sent value for a receive that may have it now (SENT → TAKEN). */
  take(): T {
    const value = this.value as T;
    this.value = undefined;
    this.state = TAKEN;
    this.markReceiverDone();
    return value;
  }

  markReceiverDone(): void {
    this.receiverDone = true;
    this.receiverDoneEvent?.set();
  }

  closedError(): ChannelClosedError {
    if (this.state === TAKEN) {
      return new ChannelClosedError(`oneshot#${this.id}: the value was already received`);
    }
    return this.closedBy === "receiver"
      ? new ChannelClosedError(`oneshot#${this.id}: the receiver was closed`)
      : new ChannelClosedError(`oneshot#${this.id}: the sender was closed without sending a value`);
  }
}

/** The sending half of a oneshot: `send(v)` once. */
export class OneshotSender<T> {
  readonly #cell: Cell<T>;

  /** @internal Use `oneshot()`. */
  constructor(cell: Cell<T>) {
    this.#cell = cell;
  }

  /** True once a send can no longer succeed: already sent, or either side closed. */
  get isClosed(): boolean {
    return this.#cell.state !== EMPTY;
  }

  /**
   * Sends the value (synchronously; it never waits). The first waiting
   * receiver is woken and takes it at its next poll.
   *
   * Throws: `ChannelClosedError` (with `.value`) if a value was already sent,
   * or the sender or receiver was closed.
   *
   * @example
   * const [tx, rx] = oneshot<number>();
   * tx.send(42);
   */
  send(value: T): void {
    const c = this.#cell;
    c.owner = touch(c.owner);
    if (c.state !== EMPTY) {
      const why =
        c.state === CLOSED && c.closedBy === "receiver"
          ? "the receiver was closed"
          : c.state === CLOSED
            ? "the sender was closed"
            : "a value was already sent";
      throw new ChannelClosedError(`send on oneshot#${c.id}: ${why}`, value);
    }
    c.state = SENT;
    c.value = value;
    c.reserved = c.q.notifyOne() !== null;
  }

  /**
   * Closes the sender without sending: the receiver gets `ChannelClosedError`.
   * After a send, or a second time, it does nothing.
   *
   * @example
   * if (failed) tx.close(); // the requester's `yield* rx` throws
   */
  close(): void {
    const c = this.#cell;
    c.owner = touch(c.owner);
    if (c.state !== EMPTY) return;
    c.state = CLOSED;
    c.closedBy = "sender";
    c.q.wakeAll();
  }

  /**
   * Waits until the receiver is done: it was closed, or it took the value
   * (Tokio's `Sender::closed`: stop computing a reply nobody will read).
   * Ready at once if it already is.
   *
   * Cancellation: cancel-safe; it only watches, nothing is consumed.
   *
   * @example
   * const [tx, rx] = oneshot<number>();
   * spawn(function* () { rx.close(); });
   * yield* tx.waitClosed(); // the requester gave up
   */
  waitClosed(): Future<void> {
    const c = this.#cell;
    if (c.receiverDoneEvent === null) {
      c.receiverDoneEvent = new Event();
      if (c.receiverDone) c.receiverDoneEvent.set();
    }
    return c.receiverDoneEvent.wait();
  }

  /** `using tx = …` closes the sender at the end of the block (a no-op after a send). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): OneshotStatistics {
    return stats(this.#cell);
  }
}

/**
 * The receiving half of a oneshot. It is itself a future: `const v = yield* rx`.
 *
 * Cancellation: cancel-safe. A cancelled `yield* rx` took nothing; the value
 * stays for the next `yield* rx` (or `tryRecv`).
 * Throws: `ChannelClosedError` if the sender closed without sending, the
 * receiver was closed, or the value was already received.
 */
export class OneshotReceiver<T> extends FutureBase<T> {
  readonly #cell: Cell<T>;

  /** @internal Use `oneshot()`. */
  constructor(cell: Cell<T>) {
    super();
    this.#cell = cell;
  }

  /** @internal Each `yield* rx` waits through its own future (several may wait at once). */
  override [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    return new OneshotRecv(this.#cell);
  }

  #direct: OneshotRecv<T> | null = null;

  /** Polls as a low-level future (one wait at a time); `yield* rx` uses a future of its own. */
  poll(cx: Context): T | Pending {
    if (this.#direct === null) this.#direct = new OneshotRecv(this.#cell);
    return this.#direct.poll(cx);
  }

  /** Drops a wait started with `poll` (low-level). */
  cancel(): void {
    this.#direct?.cancel();
  }

  /**
   * For deadlock detection: true if only runtime `rt` has used this oneshot, so
   * nothing outside `rt` can end a wait on it.
   */
  isLocalTo(rt: Runtime): boolean {
    return this.#cell.owner === rt;
  }

  /**
   * The value if it was sent, at once.
   *
   * Throws: `ChannelEmptyError` if nothing was sent yet; `ChannelClosedError`
   * as `yield* rx`.
   *
   * @example
   * const v = rx.tryRecv();
   */
  tryRecv(): T {
    const c = this.#cell;
    c.owner = touch(c.owner);
    if (c.state === SENT && !c.reserved) return c.take();
    if (c.state === EMPTY || c.state === SENT) {
      throw new ChannelEmptyError(`tryRecv on oneshot#${c.id}: nothing was sent yet`);
    }
    throw c.closedError();
  }

  /**
   * `yield* rx` for plain async code.
   *
   * Cancellation: aborting `options.signal` rejects with its reason; nothing was taken.
   *
   * @example
   * const v = await rx.recvAsync();
   */
  recvAsync(options?: AsyncOptions): Promise<T> {
    return toPromise(new OneshotRecv(this.#cell), options?.signal);
  }

  /**
   * Closes the receiver: a later `tx.send` throws, and a value already sent is
   * dropped. Closing twice does nothing.
   *
   * @example
   * rx.close(); // no longer interested in the reply
   */
  close(): void {
    const c = this.#cell;
    c.owner = touch(c.owner);
    if (!c.receiverDone) c.markReceiverDone();
    if (c.state === CLOSED || c.state === TAKEN) return;
    c.state = CLOSED;
    c.closedBy = "receiver";
    c.value = undefined;
    c.reserved = false;
    c.q.wakeAll();
  }

  /** `using rx = …` closes the receiver at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): OneshotStatistics {
    return stats(this.#cell);
  }

  override describe(): string {
    return `recv on oneshot#${this.#cell.id}`;
  }
}

class OneshotRecv<T> extends InlineFuture<T> {
  readonly #cell: Cell<T>;
  #w: Waiter | null = null;

  constructor(cell: Cell<T>) {
    super();
    this.#cell = cell;
  }

  poll(cx: Context): T | Pending {
    const c = this.#cell;
    c.owner = touch(c.owner);
    let w = this.#w;
    if (w !== null) {
      if (w.state === WAITING) {
        c.q.park(w, cx.waker);
        return PENDING;
      }
      if (w.state === NOTIFIED) {
        w.state = IDLE;
        c.reserved = false;
        if (c.state === SENT) return c.take();
      }
    }
    // A receive that arrives while the value is promised to another lines up behind it.
    if (c.state === SENT && !c.reserved) return c.take();
    if (c.state === TAKEN || c.state === CLOSED) throw c.closedError();
    if (w === null) {
      w = new Waiter();
      this.#w = w;
    }
    c.q.park(w, cx.waker);
    return PENDING;
  }

  cancel(): void {
    const w = this.#w;
    if (w === null) return;
    const c = this.#cell;
    if (w.state === WAITING) {
      c.q.remove(w);
    } else if (w.state === NOTIFIED) {
      // The value was meant for us: pass the notice on.
      w.state = IDLE;
      c.reserved = c.state === SENT && c.q.notifyOne() !== null;
    }
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#cell.owner === rt;
  }

  override describe(): string {
    return `recv on oneshot#${this.#cell.id}`;
  }
}

function stats(c: Cell<unknown>): OneshotStatistics {
  return { state: STATE_NAMES[c.state], waiting: c.q.length };
}

/**
 * A channel for exactly one value: `tx.send(v)` (synchronous) and
 * `const v = yield* rx`.
 *
 * @example
 * const [tx, rx] = oneshot<string>();
 * spawn(function* () { tx.send("reply"); });
 * const reply = yield* rx;
 */
export function oneshot<T>(): [OneshotSender<T>, OneshotReceiver<T>] {
  const cell = new Cell<T>();
  return [new OneshotSender(cell), new OneshotReceiver(cell)];
}
