/**
 * `watch(initial)`: one current value that receivers observe; they wait for a
 * change rather than for every value (Tokio's `sync::watch`): configuration,
 * status, "the latest reading".
 *
 * The model: the shared cell holds the value and a version number bumped by
 * each send; each receiver remembers the version it has seen. `changed()` is
 * ready when the versions differ (and marks the new one seen inside that poll,
 * so a cancelled `changed()` marked nothing). Waiters get no grant: a send
 * wakes them all and each looks at the version at its next poll.
 */

import type { Context, Future, Pending } from "../core/future.js";
import { FutureBase, PENDING, ready } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { type AsyncOptions, asyncIterator, toPromise } from "./bridge.js";
import { DONE } from "./channel-core.js";
import { ChannelClosedError } from "./errors.js";
import { Event } from "./event.js";
import { InlineFuture } from "./inline.js";

/** What `statistics()` reports for a watch channel. */
export interface WatchStatistics {
  /** How many values were sent (the initial one is version 0). */
  version: number;
  /** Open receivers. */
  receivers: number;
  /** True once the sender closed. */
  closed: boolean;
  /** Receivers waiting for a change. */
  waiting: number;
}

let nextId = 0;

class Cell<T> {
  readonly id = ++nextId;
  value: T;
  version = 0;
  closed = false;
  receivers = 1;
  readonly q = new WaitQueue();
  owner: Owner = initialOwner();
  /** Set once every receiver closed (`tx.waitClosed()`); made on first use. */
  noReceivers: Event | null = null;
  constructor(value: T) {
    this.value = value;
  }
}

/** The sending half of a watch channel. */
export class WatchSender<T> {
  readonly #c: Cell<T>;

  /** @internal Use `watch()`. */
  constructor(cell: Cell<T>) {
    this.#c = cell;
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.#c.closed;
  }

  /**
   * Replaces the current value (synchronously) and wakes every receiver
   * waiting in `changed()`.
   *
   * Throws: `ChannelClosedError` (with `.value`) if the sender was closed.
   *
   * @example
   * const [tx, rx] = watch("starting");
   * tx.send("ready");
   */
  send(value: T): void {
    const c = this.#c;
    c.owner = touch(c.owner);
    if (c.closed) throw new ChannelClosedError(`send on a closed watch#${c.id}`, value);
    c.value = value;
    c.version++;
    c.q.wakeAll();
  }

  /**
   * Changes the current value through `modify`, which gets it and may change
   * it in place or return a new one (a returned `undefined` keeps the value it
   * was given), then wakes every receiver, as `send` does. If `modify` throws,
   * the error propagates and the value counts as changed all the same (it may
   * have been changed in place before the throw), as Tokio's `send_modify`.
   *
   * Throws: `ChannelClosedError` if the sender was closed (`modify` is not called).
   *
   * @example
   * const [tx, rx] = watch({ hits: 0 });
   * tx.sendModify((s) => { s.hits++; });
   * tx.sendModify((s) => ({ hits: s.hits + 10 }));
   * console.log(rx.borrow().hits); // 11
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a modify that changes the value in place returns nothing
  sendModify(modify: (value: T) => T | undefined | void): void {
    const c = this.#c;
    c.owner = touch(c.owner);
    if (typeof modify !== "function") {
      throw new TypeError(`sendModify(modify) on watch#${c.id}: expected a function`);
    }
    if (c.closed) throw new ChannelClosedError(`sendModify on a closed watch#${c.id}`);
    try {
      const next = modify(c.value);
      if (next !== undefined) c.value = next;
    } finally {
      c.version++;
      c.q.wakeAll();
    }
  }

  /**
   * Waits until every receiver has been closed (at once if none is open):
   * nobody is listening any more, so a producer can stop.
   *
   * Cancellation: cancel-safe; it only watches, nothing is consumed.
   *
   * @example
   * const [tx, rx] = watch(0);
   * spawn(function* () { rx.close(); });
   * yield* tx.waitClosed();
   */
  waitClosed(): Future<void> {
    return noReceivers(this.#c).wait();
  }

  /** The current value. */
  borrow(): T {
    return this.#c.value;
  }

  /** A new receiver that has seen the current value. */
  subscribe(): WatchReceiver<T> {
    const c = this.#c;
    c.owner = touch(c.owner);
    if (c.receivers++ === 0) c.noReceivers?.clear(); // listened to again
    return new WatchReceiver(c, c.version);
  }

  /**
   * Closes the sender: receivers keep the last value (`borrow()`), and
   * `changed()` throws `ChannelClosedError` once they have seen it. Closing
   * twice does nothing.
   */
  close(): void {
    const c = this.#c;
    c.owner = touch(c.owner);
    if (c.closed) return;
    c.closed = true;
    c.q.wakeAll();
  }

  /** `using` support: closes at the end of the block, as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): WatchStatistics {
    return stats(this.#c);
  }
}

class Changed<T> extends InlineFuture<void> {
  readonly #rx: WatchReceiver<T>;
  readonly #c: Cell<T>;
  readonly #w = new Waiter();

  constructor(rx: WatchReceiver<T>, cell: Cell<T>) {
    super();
    this.#rx = rx;
    this.#c = cell;
  }

  poll(cx: Context): undefined | Pending {
    const c = this.#c;
    c.owner = touch(c.owner);
    c.q.remove(this.#w); // order does not matter: a send wakes every waiter
    if (this.#rx._markSeen()) return undefined;
    if (c.closed) throw new ChannelClosedError(`changed() on watch#${c.id}: the sender closed`);
    c.q.park(this.#w, cx.waker);
    return PENDING;
  }

  cancel(): void {
    this.#c.q.remove(this.#w);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#c.owner === rt;
  }

  override describe(): string {
    return `changed on watch#${this.#c.id}`;
  }
}

/** `rx.waitFor(predicate)`: the first value, current included, that satisfies it. */
class WaitFor<T> extends InlineFuture<T> {
  readonly #rx: WatchReceiver<T>;
  readonly #c: Cell<T>;
  readonly #predicate: (value: T) => boolean;
  readonly #w = new Waiter();

  constructor(rx: WatchReceiver<T>, cell: Cell<T>, predicate: (value: T) => boolean) {
    super();
    this.#rx = rx;
    this.#c = cell;
    this.#predicate = predicate;
  }

  poll(cx: Context): T | Pending {
    const c = this.#c;
    c.owner = touch(c.owner);
    c.q.remove(this.#w);
    const value = this.#rx.borrowAndUpdate();
    if (this.#predicate(value)) return value;
    if (c.closed) {
      throw new ChannelClosedError(`waitFor() on watch#${c.id}: the sender closed first`);
    }
    c.q.park(this.#w, cx.waker);
    return PENDING;
  }

  cancel(): void {
    this.#c.q.remove(this.#w);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#c.owner === rt;
  }

  override describe(): string {
    return `waitFor on watch#${this.#c.id}`;
  }
}

/** A receiving half of a watch channel. */
export class WatchReceiver<T> implements AsyncIterable<T> {
  readonly #c: Cell<T>;
  #seen: number;
  #closed = false;

  /** @internal Use `watch()`, `tx.subscribe()` or `rx.clone()`. */
  constructor(cell: Cell<T>, seen: number) {
    this.#c = cell;
    this.#seen = seen;
  }

  /** The current value (does not mark it seen). */
  borrow(): T {
    return this.#c.value;
  }

  /** The current value, marking it seen. */
  borrowAndUpdate(): T {
    this.#seen = this.#c.version;
    return this.#c.value;
  }

  /** True if a value this receiver has not seen was sent. */
  hasChanged(): boolean {
    return this.#seen !== this.#c.version;
  }

  /**
   * Waits for a value this receiver has not seen and marks it seen (read it
   * with `borrow()`). Ready at once if one was sent since the last look.
   *
   * Cancellation: cancel-safe; a cancelled `changed()` marked nothing seen.
   * Throws: `ChannelClosedError` if the sender closed and nothing new is left.
   *
   * @example
   * yield* rx.changed();
   * console.log(rx.borrow());
   */
  changed(): Future<void> {
    if (this.#closed) {
      throw new ChannelClosedError(`changed() on a closed receiver of watch#${this.#c.id}`);
    }
    return trackCreation(new Changed(this, this.#c));
  }

  /**
   * Waits for a value that satisfies `predicate`, the current one included
   * (even if already seen), and returns it, marking it seen. Each later value
   * is tested as it is noticed; values replaced before this receiver looked
   * are skipped, as with `changed()`.
   *
   * Cancellation: cancel-safe; a cancelled `waitFor` took nothing from
   * anyone (it may have marked values it tested as seen).
   * Throws: `ChannelClosedError` if the sender closed while no value
   * satisfied `predicate`; what `predicate` throws.
   *
   * @example
   * const [tx, rx] = watch("starting");
   * spawn(function* () { tx.send("warming"); tx.send("ready"); });
   * const state = yield* rx.waitFor((s) => s === "ready"); // "ready"
   */
  waitFor(predicate: (value: T) => boolean): Future<T> {
    const c = this.#c;
    if (typeof predicate !== "function") {
      throw new TypeError(`waitFor(predicate) on watch#${c.id}: expected a function`);
    }
    if (this.#closed) {
      throw new ChannelClosedError(`waitFor() on a closed receiver of watch#${c.id}`);
    }
    return trackCreation(new WaitFor(this, c, predicate));
  }

  /**
   * The next new value (one this receiver has not seen; intermediate values
   * may be skipped, as a watch keeps only the latest), marked seen; `{done:
   * true}` once the sender has closed and its last value was seen. So a
   * watch receiver is a `Stream`.
   *
   * Cancellation: cancel-safe; a cancelled `recv()` marked nothing seen.
   * Throws: `ChannelClosedError` if this receiver was closed.
   *
   * @example
   * const [status, statusRx] = watch("idle");
   * spawn(function* () {
   *   status.send("busy");
   * });
   * const r = yield* statusRx.recv(); // {done: false, value: "busy"}
   */
  recv(): Future<IteratorResult<T>> {
    if (this.#closed) {
      throw new ChannelClosedError(`recv() on a closed receiver of watch#${this.#c.id}`);
    }
    return trackCreation(new ValueAfter(this, this.#c));
  }

  /** `changed()` for plain async code. */
  changedAsync(options?: AsyncOptions): Promise<void> {
    return toPromise(this.changed(), options?.signal);
  }

  /** @internal Marks the current version seen; true if it was new. */
  _markSeen(): boolean {
    const v = this.#c.version;
    if (this.#seen === v) return false;
    this.#seen = v;
    return true;
  }

  /** Another receiver that has seen what this one has. */
  clone(): WatchReceiver<T> {
    const c = this.#c;
    c.owner = touch(c.owner);
    c.receivers++;
    return new WatchReceiver(c, this.#seen);
  }

  /** Drops this receiver (the sender's statistics stop counting it). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const c = this.#c;
    if (--c.receivers === 0) c.noReceivers?.set();
  }

  /** `using` support: closes at the end of the block, as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * `for await (const v of rx)` in plain async code: the current value first,
   * then each value that is new when this loop looks (intermediate values may
   * be skipped), until the sender closes.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    let first = true;
    const next = (): Future<IteratorResult<T>> => {
      if (first) {
        first = false;
        const value = this.borrowAndUpdate();
        return ready({ done: false, value });
      }
      return new ValueAfter(this, this.#c);
    };
    return asyncIterator(next);
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): WatchStatistics {
    return stats(this.#c);
  }
}

/** The next unseen value as an iterator result, `done` once the sender closed. */
class ValueAfter<T> extends FutureBase<IteratorResult<T>> {
  readonly #changed: Changed<T>;
  readonly #rx: WatchReceiver<T>;
  constructor(rx: WatchReceiver<T>, cell: Cell<T>) {
    super();
    this.#rx = rx;
    this.#changed = new Changed(rx, cell);
  }
  poll(cx: Context): IteratorResult<T> | Pending {
    try {
      if (this.#changed.poll(cx) === PENDING) return PENDING;
    } catch (error) {
      if (error instanceof ChannelClosedError) return DONE;
      throw error;
    }
    return { done: false, value: this.#rx.borrow() };
  }
  cancel(): void {
    this.#changed.cancel();
  }
}

/** The cell's "every receiver closed" event, made on first use. */
function noReceivers(c: Cell<unknown>): Event {
  if (c.noReceivers === null) {
    c.noReceivers = new Event();
    if (c.receivers === 0) c.noReceivers.set();
  }
  return c.noReceivers;
}

function stats(c: Cell<unknown>): WatchStatistics {
  return { version: c.version, receivers: c.receivers, closed: c.closed, waiting: c.q.length };
}

/**
 * A channel holding one current value: `tx.send(v)` replaces it,
 * `rx.borrow()` reads it, `yield* rx.changed()` waits for a new one.
 *
 * @example
 * const [tx, rx] = watch({ level: "info" });
 * spawn(function* () { yield* rx.changed(); apply(rx.borrow()); });
 * tx.send({ level: "debug" });
 */
export function watch<T>(initial: T): [WatchSender<T>, WatchReceiver<T>] {
  const cell = new Cell(initial);
  return [new WatchSender(cell), new WatchReceiver(cell, 0)];
}
