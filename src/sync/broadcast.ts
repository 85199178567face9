/**
 * `broadcast(capacity)`: every receiver sees every value sent after it
 * subscribed (Tokio's `sync::broadcast`).
 *
 * The model
 * ---------
 * A ring of the last `capacity` values, numbered by a sequence: `#tail` is the
 * number the next value gets, `#tail - #length` the oldest still held. Each
 * receiver keeps `next`, the number of the next value it will read. A send
 * never waits: when the ring is full the oldest value is overwritten, and a
 * receiver whose `next` fell behind the oldest held value lagged: its next
 * `recv()` throws `LaggedError` with how many it missed (once), and it goes on
 * from the oldest value still held.
 *
 * Values are not exclusive, so waiters get no grant: a send wakes every
 * parked receiver (`wakeAll`) and each reads at its next poll. A cancelled
 * `recv` leaves the line and took nothing (its `next` did not move).
 *
 * Memory: the ring keeps the last `capacity` values alive even once every
 * receiver has read them (Tokio frees them earlier); keep `capacity` modest.
 */

import type { Context, Future, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { checkCount } from "./args.js";
import { type AsyncOptions, asyncIterator, toPromise } from "./bridge.js";
import { DONE } from "./channel-core.js";
import { ChannelClosedError, ChannelEmptyError, LaggedError } from "./errors.js";
import { InlineFuture } from "./inline.js";

/** What `statistics()` reports for a broadcast channel. */
export interface BroadcastStatistics {
  /** Values held in the ring now. */
  length: number;
  capacity: number;
  /** Open receivers. */
  receivers: number;
  /** Open senders. */
  senders: number;
  /** True once every sender is closed. */
  closed: boolean;
  /** Receivers waiting for a value. */
  waiting: number;
}

let nextId = 0;

class Shared<T> {
  readonly id = ++nextId;
  readonly capacity: number;
  readonly ring: (T | undefined)[];
  /** Sequence number of the next value sent. */
  tail = 0;
  // Invariant: 0 <= length <= capacity; value #s (tail - length <= s < tail) is ring[s % capacity].
  length = 0;
  senders = 1;
  receivers = 1;
  readonly q = new WaitQueue();
  owner: Owner = initialOwner();

  constructor(capacity: number) {
    this.capacity = capacity;
    this.ring = new Array<T | undefined>(capacity).fill(undefined);
  }

  get closed(): boolean {
    return this.senders === 0;
  }
}

/** The sending half of a broadcast channel. */
export class BroadcastSender<T> {
  readonly #s: Shared<T>;
  #closed = false;

  /** @internal Use `broadcast()`. */
  constructor(shared: Shared<T>) {
    this.#s = shared;
  }

  /** True once this sender was closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `value` to every current receiver (synchronously; it never waits).
   * Returns how many receivers are subscribed (0: the value went nowhere).
   *
   * Throws: `ChannelClosedError` (with `.value`) if this sender was closed.
   *
   * @example
   * const [tx, rx] = broadcast<string>(16);
   * tx.send("hello"); // 1
   */
  send(value: T): number {
    const s = this.#s;
    s.owner = touch(s.owner);
    if (this.#closed) {
      throw new ChannelClosedError(`send on a closed sender of broadcast#${s.id}`, value);
    }
    if (s.receivers === 0) return 0;
    s.ring[s.tail % s.capacity] = value;
    s.tail++;
    if (s.length < s.capacity) s.length++;
    s.q.wakeAll();
    return s.receivers;
  }

  /**
   * A new receiver that sees every value sent from now on.
   *
   * @example
   * const rx2 = tx.subscribe();
   */
  subscribe(): BroadcastReceiver<T> {
    const s = this.#s;
    s.owner = touch(s.owner);
    s.receivers++;
    return new BroadcastReceiver(s, s.tail);
  }

  /** Another sender; the channel closes when every sender is closed. */
  clone(): BroadcastSender<T> {
    const s = this.#s;
    if (this.#closed) throw new ChannelClosedError(`clone of a closed sender of broadcast#${s.id}`);
    s.owner = touch(s.owner);
    s.senders++;
    return new BroadcastSender(s);
  }

  /**
   * Closes this sender. Once every sender is closed, receivers get what they
   * have not read yet, then `done`. Closing twice does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const s = this.#s;
    s.owner = touch(s.owner);
    if (--s.senders === 0) s.q.wakeAll();
  }

  /** `using` support: closes at the end of the block, as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): BroadcastStatistics {
    return stats(this.#s);
  }
}

class BroadcastRecv<T> extends InlineFuture<IteratorResult<T>> {
  readonly #rx: BroadcastReceiver<T>;
  readonly #s: Shared<T>;
  readonly #w = new Waiter();

  constructor(rx: BroadcastReceiver<T>, shared: Shared<T>) {
    super();
    this.#rx = rx;
    this.#s = shared;
  }

  poll(cx: Context): IteratorResult<T> | Pending {
    const s = this.#s;
    s.owner = touch(s.owner);
    // Order among broadcast waiters does not matter (a send wakes them all), so
    // leave the line before reading: a read that throws leaves no stale entry.
    s.q.remove(this.#w);
    const r = this.#rx._read();
    if (r !== null) return r;
    s.q.park(this.#w, cx.waker);
    return PENDING;
  }

  cancel(): void {
    this.#s.q.remove(this.#w);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#s.owner === rt;
  }

  override describe(): string {
    return `recv on broadcast#${this.#s.id}`;
  }
}

/** A receiving half of a broadcast channel; make more with `tx.subscribe()`. */
export class BroadcastReceiver<T> implements AsyncIterable<T> {
  readonly #s: Shared<T>;
  /** Sequence number of the next value this receiver reads. */
  #next: number;
  #closed = false;

  /** @internal Use `broadcast()` or `tx.subscribe()`. */
  constructor(shared: Shared<T>, next: number) {
    this.#s = shared;
    this.#next = next;
  }

  /**
   * Receives the next value: `{ done: false, value }`, or `{ done: true }` once
   * every sender is closed and this receiver read everything.
   *
   * Cancellation: cancel-safe; a cancelled `recv` read nothing.
   * Throws: `LaggedError` (with `.missed`) once if this receiver fell more than
   * `capacity` values behind; the next `recv` returns the oldest value still
   * held. `ChannelClosedError` if this receiver was closed.
   *
   * @example
   * const r = yield* rx.recv();
   */
  recv(): Future<IteratorResult<T>> {
    return trackCreation(new BroadcastRecv(this, this.#s));
  }

  /**
   * The next value at once, as `recv`.
   *
   * Throws: `ChannelEmptyError` if nothing new was sent; `LaggedError` as `recv`.
   */
  tryRecv(): IteratorResult<T> {
    const s = this.#s;
    s.owner = touch(s.owner);
    const r = this._read();
    if (r !== null) return r;
    throw new ChannelEmptyError(`tryRecv on broadcast#${s.id}: nothing new was sent`);
  }

  /** `recv` for plain async code. */
  recvAsync(options?: AsyncOptions): Promise<IteratorResult<T>> {
    return toPromise(this.recv(), options?.signal);
  }

  /** @internal The next result if one is ready, else null. */
  _read(): IteratorResult<T> | null {
    const s = this.#s;
    if (this.#closed) {
      throw new ChannelClosedError(`recv on a closed receiver of broadcast#${s.id}`);
    }
    const oldest = s.tail - s.length;
    if (this.#next < oldest) {
      const missed = oldest - this.#next;
      this.#next = oldest;
      throw new LaggedError(missed);
    }
    if (this.#next < s.tail) {
      const value = s.ring[this.#next % s.capacity] as T;
      this.#next++;
      return { done: false, value };
    }
    return s.closed ? DONE : null;
  }

  /** Unsubscribes: senders stop counting this receiver. Closing twice does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const s = this.#s;
    s.owner = touch(s.owner);
    s.receivers--;
    s.q.wakeAll(); // a recv of this receiver pending in some task fails now
  }

  /** `using` support: closes at the end of the block, as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `for await (const v of rx)` in plain async code (a `LaggedError` ends the loop by throwing). */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return asyncIterator(() => this.recv());
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): BroadcastStatistics {
    return stats(this.#s);
  }
}

function stats(s: Shared<unknown>): BroadcastStatistics {
  return {
    length: s.length,
    capacity: s.capacity,
    receivers: s.receivers,
    senders: s.senders,
    closed: s.closed,
    waiting: s.q.length,
  };
}

/**
 * A broadcast channel holding the last `capacity` values: every receiver
 * (the one returned, and each `tx.subscribe()`) sees every value sent after it
 * subscribed, unless it falls more than `capacity` behind (`LaggedError`).
 *
 * Throws: `RangeError` if `capacity` is not an integer >= 1.
 *
 * @example
 * const [tx, rx] = broadcast<number>(8);
 * const rx2 = tx.subscribe();
 * tx.send(1);
 * (yield* rx.recv()).value;  // 1
 * (yield* rx2.recv()).value; // 1
 */
export function broadcast<T>(capacity: number): [BroadcastSender<T>, BroadcastReceiver<T>] {
  checkCount(capacity, "broadcast(capacity)", 1);
  const shared = new Shared<T>(capacity);
  return [new BroadcastSender(shared), new BroadcastReceiver(shared, 0)];
}
