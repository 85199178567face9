/**
 * `Queue`, `PriorityQueue`, `LifoQueue`: asyncio's queues (`asyncio.Queue`,
 * with `join`/`taskDone` and Python 3.13's `shutdown`), for code ported from
 * asyncio and for work queues with completion tracking.
 *
 * Each is the channel core (channel-core.ts) over its own store (a ring, a
 * heap, a stack: channel-stores.ts), plus what is asyncio's alone: `unfinished`
 * counts items put and not yet `taskDone`, and `join()` waits in a third
 * parking lot for it to reach 0. Put and get are the core's send and receive,
 * so their reservations, fairness and cancel safety are the channel's;
 * `shutdown()` is the core's `closeSends()` (and `clear()` with `immediate`).
 *
 * Choosing: a `channel` for pipelines between tasks (close semantics, many
 * senders, fastest); a `Queue` for asyncio-style work queues (join, priority,
 * LIFO, shutdown).
 */

import type { Context, Future, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { keepShapes } from "../core/kept-shapes.js";
import { IDLE, NOTIFIED, WAITING, type Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { checkCount } from "./args.js";
import { type AsyncOptions, asyncIterator, toPromise } from "./bridge.js";
import * as core from "./channel-core.js";
import { Chan, EMPTY, FULL, iteratorResult, NO_HANDLE } from "./channel-core.js";
import { RecvOpFuture, SendOpFuture } from "./channel-futures.js";
import { defaultCompare, HeapStore, LifoStore, RingStore, type Store } from "./channel-stores.js";
import { QueueEmptyError, QueueFullError, QueueShutDownError } from "./errors.js";
import { WaitFuture, type WaitHost } from "./wait-future.js";

// A local copy of the sentinel (future.ts says why).
const CLOSED: typeof core.CLOSED = core.CLOSED;

/** What `statistics()` reports for a queue. */
export interface QueueStatistics {
  /** Items in the queue now. */
  length: number;
  /** The maximum size (`Infinity` when unbounded). */
  maxsize: number;
  /** Items put and not yet marked done with `taskDone()`. */
  unfinished: number;
  /** True once `shutdown()` was called. */
  shutDown: boolean;
  /** Tasks (or promises) waiting in `put`. */
  waitingPutters: number;
  /** Tasks (or promises) waiting in `get`. */
  waitingGetters: number;
  /** Tasks (or promises) waiting in `join`. */
  waitingJoiners: number;
}

let nextId = 0;

// A queue with a put and a get future kept alive once any queue was made (core/kept-shapes.ts
// says why). The futures are never awaited.
let anchored = false;

class PutFuture<T> extends SendOpFuture<T> {
  readonly #q: Queue<T>;
  constructor(q: Queue<T>, chan: Chan<T>, item: T) {
    super(chan, NO_HANDLE);
    this.#q = q;
    this.value = item;
  }
  poll(cx: Context): undefined | Pending {
    const r = this.chan.pollSend(this, cx);
    if (r === undefined) this.#q._added();
    else if (r === CLOSED) {
      this.release();
      throw this.#q._shutDownError("put");
    }
    return r;
  }
  release(): void {
    this.value = undefined;
  }
  override describe(): string {
    return `put on queue#${this.#q._id} (full)`;
  }
}

class GetFuture<T> extends RecvOpFuture<T, T> {
  readonly #q: Queue<T>;
  constructor(q: Queue<T>, chan: Chan<T>) {
    super(chan);
    this.#q = q;
  }
  poll(cx: Context): T | Pending {
    const r = this.chan.pollRecv(this, cx);
    if (r === CLOSED) throw this.#q._shutDownError("get");
    return r;
  }
  release(): void {}
  override describe(): string {
    return `get on queue#${this.#q._id}`;
  }
}

/** Yields the next item as an iterator result; `done` once the queue is shut down and empty. */
class NextItem<T> extends RecvOpFuture<T, IteratorResult<T>> {
  poll(cx: Context): IteratorResult<T> | Pending {
    return iteratorResult(this.chan.pollRecv(this, cx));
  }
  release(): void {}
}

/**
 * A first-in, first-out queue (asyncio's `Queue`). `maxsize` 0 (the default)
 * means unbounded, as in asyncio.
 *
 * Throws: `RangeError` if `maxsize` is negative or not an integer.
 *
 * @example
 * const q = new Queue<string>(10);
 * yield* q.put("job");
 * const job = yield* q.get();
 * q.taskDone();
 */
export class Queue<T> implements AsyncIterable<T>, WaitHost<void> {
  /** The maximum number of items (`Infinity` when unbounded). */
  readonly maxsize: number;
  /** Puts are its sends, gets its receives; `shutdown()` closes its sends. */
  readonly #chan: Chan<T>;
  /** Tasks (or promises) in `join()`, all granted at once when #unfinished reaches 0. */
  readonly #joinq = new WaitQueue();
  // Invariant: #unfinished >= 0; it goes up with each item put and down with each taskDone()
  // (and each item shutdown(true) drops).
  #unfinished = 0;
  /** @internal */
  readonly _id = ++nextId;

  constructor(maxsize = 0) {
    checkCount(maxsize, `new ${new.target.name}(maxsize)`, 0, "0 means unbounded");
    this.maxsize = maxsize === 0 ? Number.POSITIVE_INFINITY : maxsize;
    this.#chan = new Chan<T>(this.maxsize, this._makeStore());
    if (!anchored) {
      anchored = true;
      const q = new Queue<unknown>(1);
      keepShapes(q, q.put(undefined), q.get());
      nextId--; // the anchor is never listed: it gives its number back
    }
  }

  /** @internal Which store this kind of queue uses. */
  protected _makeStore(): Store<T> {
    return new RingStore<T>();
  }

  /** Items in the queue now (asyncio's `qsize()`). */
  qsize(): number {
    return this.#chan.length;
  }

  /** True if the queue holds no item. */
  empty(): boolean {
    return this.#chan.length === 0;
  }

  /** True if the queue holds `maxsize` items. */
  full(): boolean {
    return this.#chan.length >= this.maxsize;
  }

  /**
   * Puts an item, waiting while the queue is full. Putters waiting on a full
   * queue are served in arrival order.
   *
   * Cancellation: cancel-safe; a cancelled put put nothing.
   * Throws: `QueueShutDownError` if the queue is (or, while waiting, gets) shut down.
   *
   * @example
   * yield* queue.put(job);
   */
  put(item: T): Future<void> {
    return trackCreation(new PutFuture(this, this.#chan, item));
  }

  /**
   * Takes the next item, waiting while the queue is empty. Getters are served
   * in arrival order.
   *
   * Cancellation: cancel-safe; a cancelled get took nothing (an item set aside
   * for it goes to the next getter).
   * Throws: `QueueShutDownError` if the queue is shut down and empty.
   *
   * @example
   * const job = yield* queue.get();
   */
  get(): Future<T> {
    return trackCreation(new GetFuture(this, this.#chan));
  }

  /**
   * Puts an item at once.
   *
   * Throws: `QueueFullError` if full (or every free slot is promised to a
   * waiting putter); `QueueShutDownError` if shut down.
   */
  putNowait(item: T): void {
    const r = this.#chan.trySend(item, NO_HANDLE);
    if (r === CLOSED) throw this._shutDownError("putNowait");
    if (r === FULL) {
      throw new QueueFullError(`putNowait on a full queue#${this._id} (maxsize ${this.maxsize})`);
    }
    this.#unfinished++;
  }

  /**
   * Takes an item at once.
   *
   * Throws: `QueueEmptyError` if empty (or every item is promised to a waiting
   * getter); `QueueShutDownError` if shut down and empty.
   */
  getNowait(): T {
    const r = this.#chan.tryRecv();
    if (r === CLOSED) throw this._shutDownError("getNowait");
    if (r === EMPTY) throw new QueueEmptyError(`getNowait on an empty queue#${this._id}`);
    return r;
  }

  /**
   * Marks one item taken with `get` as processed; when every item put has
   * been marked, `join()` waiters wake.
   *
   * Throws: `RangeError` if called more times than items were put.
   *
   * @example
   * const job = yield* queue.get();
   * try { yield* handle(job); } finally { queue.taskDone(); }
   */
  taskDone(): void {
    this.#chan.touch();
    if (this.#unfinished === 0) {
      throw new RangeError(`queue#${this._id}: taskDone() called more times than items were put`);
    }
    if (--this.#unfinished === 0) this.#joinq.notifyAll();
  }

  /**
   * Waits until every item put has been marked with `taskDone()` (at once if so).
   *
   * Cancellation: cancel-safe; nothing is consumed.
   *
   * @example
   * yield* queue.join(); // all work processed
   */
  join(): Future<void> {
    return trackCreation(new WaitFuture(this, "join on queue"));
  }

  /**
   * Shuts the queue down (Python 3.13): puts fail with `QueueShutDownError`
   * from now on, waiting putters too. Getters take what is left, then fail
   * with `QueueShutDownError`; with `immediate`, what is left is dropped at
   * once (each dropped item counts as done for `join`) and waiting getters fail.
   *
   * @example
   * queue.shutdown(); // consumers drain, then their get() throws
   */
  shutdown(immediate = false): void {
    const chan = this.#chan;
    chan.closeSends();
    if (immediate) {
      const dropped = Math.min(chan.clear(), this.#unfinished);
      if (dropped > 0) {
        this.#unfinished -= dropped;
        if (this.#unfinished === 0) this.#joinq.notifyAll();
      }
    }
  }

  /** True once `shutdown()` was called. */
  get isShutDown(): boolean {
    return this.#chan.sendsClosed;
  }

  /** `put` for plain async code; aborting `options.signal` gives up the wait (nothing put). */
  putAsync(item: T, options?: AsyncOptions): Promise<void> {
    return toPromise(this.put(item), options?.signal);
  }

  /** `get` for plain async code; aborting `options.signal` gives up the wait (nothing taken). */
  getAsync(options?: AsyncOptions): Promise<T> {
    return toPromise(this.get(), options?.signal);
  }

  /** `join` for plain async code. */
  joinAsync(options?: AsyncOptions): Promise<void> {
    return toPromise(this.join(), options?.signal);
  }

  /**
   * `for await (const item of queue)` in plain async code: gets items until the
   * queue is shut down and empty. Call `taskDone()` for each as usual.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return asyncIterator(() => new NextItem(this.#chan));
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): QueueStatistics {
    return {
      length: this.#chan.length,
      maxsize: this.maxsize,
      unfinished: this.#unfinished,
      shutDown: this.#chan.sendsClosed,
      waitingPutters: this.#chan.sendq.length,
      waitingGetters: this.#chan.recvq.length,
      waitingJoiners: this.#joinq.length,
    };
  }

  /** @internal An item went in (a put completed): one more to be marked done. */
  _added(): void {
    this.#unfinished++;
  }

  /** @internal */
  _shutDownError(what: string): QueueShutDownError {
    return new QueueShutDownError(`${what} on queue#${this._id}, which was shut down`);
  }

  /** @internal The poll of a `join()` wait. */
  _pollWait(w: Waiter, cx: Context): undefined | Pending {
    this.#chan.touch();
    if (w.state === NOTIFIED) {
      w.state = IDLE;
      return undefined;
    }
    if (w.state === IDLE && this.#unfinished === 0) return undefined;
    this.#joinq.park(w, cx.waker);
    return PENDING;
  }

  /** @internal A `join()` wait was dropped. */
  _cancelWait(w: Waiter): void {
    if (w.state === WAITING) this.#joinq.remove(w);
    else w.state = IDLE;
  }

  /** @internal */
  _isLocalTo(rt: Runtime): boolean {
    return this.#chan.isLocalTo(rt);
  }

  /** @internal Checks the invariants (tests): the core's, and the join line's. */
  _check(): void {
    this.#chan.check(`queue#${this._id}`);
    this.#joinq.check();
    if (this.#unfinished < 0) throw new Error(`queue#${this._id}: negative unfinished count`);
  }
}

/**
 * A queue that hands out the smallest item first (asyncio's `PriorityQueue`):
 * by `compare`, or by default numbers and strings ascending and arrays
 * element by element (put `[priority, item]` pairs as in asyncio). Equal items
 * come out in the order they were put.
 *
 * @example
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([2, "later"]);
 * q.putNowait([1, "first"]);
 * q.getNowait(); // [1, "first"]
 */
export class PriorityQueue<T> extends Queue<T> {
  readonly #compare: (a: T, b: T) => number;

  constructor(maxsize = 0, compare: (a: T, b: T) => number = defaultCompare) {
    super(maxsize);
    if (typeof compare !== "function") {
      throw new TypeError("new PriorityQueue(maxsize, compare): compare must be a function");
    }
    this.#compare = compare;
  }

  /** The order this queue uses. */
  get compare(): (a: T, b: T) => number {
    return this.#compare;
  }

  protected override _makeStore(): Store<T> {
    // Called inside super(), before #compare is set: look it up at each comparison.
    return new HeapStore<T>((a, b) => this.#compare(a, b));
  }
}

/**
 * A queue that hands out the most recently put item first (asyncio's `LifoQueue`).
 *
 * @example
 * const q = new LifoQueue<number>();
 * q.putNowait(1);
 * q.putNowait(2);
 * q.getNowait(); // 2
 */
export class LifoQueue<T> extends Queue<T> {
  protected override _makeStore(): Store<T> {
    return new LifoStore<T>();
  }
}
