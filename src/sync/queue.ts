/**
 * `Queue`, `PriorityQueue`, `LifoQueue`: asyncio's queues (`asyncio.Queue`,
 * with `join`/`taskDone` and Python 3.13's `shutdown`), for code ported from
 * asyncio and for work queues with completion tracking.
 *
 * The model is the channel core's (`chan.ts`), with a pluggable store (FIFO
 * ring, binary heap, stack) instead of the ring alone: getters and putters wait
 * in two parking lots, and what a waker carries is a reservation (an item set
 * aside for a notified getter, a slot for a notified putter) that changes
 * hands only in the waiter's next poll, or passes to the next in line if it is
 * cancelled first. `unfinished` counts items put and not yet `taskDone`;
 * `join()` waits for it to reach 0.
 *
 * Choosing: a `channel` for pipelines between tasks (close semantics, many
 * senders, fastest); a `Queue` for asyncio-style work queues (join, priority,
 * LIFO, shutdown).
 */

import type { Context, Future, Pending } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { checkCount } from "./args.js";
import { type AsyncOptions, asyncIterator, toPromise } from "./bridge.js";
import { DONE } from "./channel-core.js";
import { QueueEmptyError, QueueFullError, QueueShutDownError } from "./errors.js";
import { InlineFuture } from "./inline.js";
import { defaultCompare, FifoStore, HeapStore, LifoStore, type Store } from "./queue-stores.js";
import { WaitFuture, type WaitHost } from "./wait-future.js";

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

class PutFuture<T> extends InlineFuture<void> {
  readonly #q: Queue<T>;
  item: T | undefined;
  waiter: Waiter | null = null;
  constructor(q: Queue<T>, item: T) {
    super();
    this.#q = q;
    this.item = item;
  }
  poll(cx: Context): undefined | Pending {
    return this.#q._pollPut(this, cx);
  }
  cancel(): void {
    this.#q._cancelPut(this);
  }
  isLocalTo(rt: Runtime): boolean {
    return this.#q._isLocalTo(rt);
  }
  override describe(): string {
    return `put on queue#${this.#q._id} (full)`;
  }
}

class GetFuture<T> extends InlineFuture<T> {
  readonly #q: Queue<T>;
  waiter: Waiter | null = null;
  constructor(q: Queue<T>) {
    super();
    this.#q = q;
  }
  poll(cx: Context): T | Pending {
    return this.#q._pollGet(this, cx);
  }
  cancel(): void {
    this.#q._cancelGet(this);
  }
  isLocalTo(rt: Runtime): boolean {
    return this.#q._isLocalTo(rt);
  }
  override describe(): string {
    return `get on queue#${this.#q._id}`;
  }
}

/** Yields the next item as an iterator result; `done` once the queue is shut down and empty. */
class NextItem<T> extends FutureBase<IteratorResult<T>> {
  readonly #get: GetFuture<T>;
  constructor(q: Queue<T>) {
    super();
    this.#get = new GetFuture(q);
  }
  poll(cx: Context): IteratorResult<T> | Pending {
    let item: T | Pending;
    try {
      item = this.#get.poll(cx);
    } catch (error) {
      if (error instanceof QueueShutDownError) return DONE;
      throw error;
    }
    return item === PENDING ? PENDING : { done: false, value: item };
  }
  cancel(): void {
    this.#get.cancel();
  }
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
  readonly #store: Store<T>;
  readonly #getq = new WaitQueue();
  readonly #putq = new WaitQueue();
  readonly #joinq = new WaitQueue();
  // Invariant: recvq non-empty => every item is reserved (#itemsReserved === size), and
  // 0 <= #itemsReserved <= size, except after shutdown(true) emptied the store while some
  // getters were notified (each finds nothing and fails, bringing it back to 0).
  #itemsReserved = 0;
  // Invariant: size + #slotsReserved <= maxsize; putq non-empty => it is equal.
  #slotsReserved = 0;
  #unfinished = 0;
  #shutDown = false;
  #owner: Owner = initialOwner();
  /** @internal */
  readonly _id = ++nextId;

  constructor(maxsize = 0) {
    checkCount(maxsize, `new ${new.target.name}(maxsize)`, 0, "0 means unbounded");
    this.maxsize = maxsize === 0 ? Number.POSITIVE_INFINITY : maxsize;
    this.#store = this._makeStore();
  }

  /** @internal Which store this kind of queue uses. */
  protected _makeStore(): Store<T> {
    return new FifoStore<T>();
  }

  /** Items in the queue now (asyncio's `qsize()`). */
  qsize(): number {
    return this.#store.size;
  }

  /** True if the queue holds no item. */
  empty(): boolean {
    return this.#store.size === 0;
  }

  /** True if the queue holds `maxsize` items. */
  full(): boolean {
    return this.#store.size >= this.maxsize;
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
    return trackCreation(new PutFuture(this, item));
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
    return trackCreation(new GetFuture(this));
  }

  /**
   * Puts an item at once.
   *
   * Throws: `QueueFullError` if full (or every free slot is promised to a
   * waiting putter); `QueueShutDownError` if shut down.
   */
  putNowait(item: T): void {
    this.#owner = touch(this.#owner);
    if (this.#shutDown) throw this.#shutDownError("putNowait");
    if (this.#store.size + this.#slotsReserved >= this.maxsize) {
      throw new QueueFullError(`putNowait on a full queue#${this._id} (maxsize ${this.maxsize})`);
    }
    this.#push(item);
  }

  /**
   * Takes an item at once.
   *
   * Throws: `QueueEmptyError` if empty (or every item is promised to a waiting
   * getter); `QueueShutDownError` if shut down and empty.
   */
  getNowait(): T {
    this.#owner = touch(this.#owner);
    if (this.#store.size > this.#itemsReserved) return this.#take();
    if (this.#shutDown && this.#store.size === 0) throw this.#shutDownError("getNowait");
    throw new QueueEmptyError(`getNowait on an empty queue#${this._id}`);
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
    this.#owner = touch(this.#owner);
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
    this.#owner = touch(this.#owner);
    this.#shutDown = true;
    if (immediate) {
      const dropped = Math.min(this.#store.size, this.#unfinished);
      this.#store.clear();
      if (dropped > 0) {
        this.#unfinished -= dropped;
        if (this.#unfinished === 0) this.#joinq.notifyAll();
      }
    }
    this.#putq.wakeAll();
    if (this.#store.size === 0) this.#getq.wakeAll();
  }

  /** True once `shutdown()` was called. */
  get isShutDown(): boolean {
    return this.#shutDown;
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
    return asyncIterator(() => new NextItem(this));
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): QueueStatistics {
    return {
      length: this.#store.size,
      maxsize: this.maxsize,
      unfinished: this.#unfinished,
      shutDown: this.#shutDown,
      waitingPutters: this.#putq.length,
      waitingGetters: this.#getq.length,
      waitingJoiners: this.#joinq.length,
    };
  }

  // ------------------------------------------------------------ the core

  #push(item: T): void {
    this.#store.push(item);
    this.#unfinished++;
    if (this.#getq.length > 0) {
      this.#itemsReserved++;
      this.#getq.notifyOne();
    }
  }

  #take(): T {
    const item = this.#store.pop();
    if (this.#store.size === 0 && this.#shutDown && this.#getq.length > 0) this.#getq.wakeAll();
    this.#grantSlot();
    return item;
  }

  #grantSlot(): void {
    if (
      this.#putq.length > 0 &&
      this.#store.size + this.#slotsReserved < this.maxsize &&
      !this.#shutDown
    ) {
      this.#slotsReserved++;
      this.#putq.notifyOne();
    }
  }

  #shutDownError(what: string): QueueShutDownError {
    return new QueueShutDownError(`${what} on queue#${this._id}, which was shut down`);
  }

  /** @internal */
  _pollPut(f: PutFuture<T>, cx: Context): undefined | Pending {
    this.#owner = touch(this.#owner);
    let w = f.waiter;
    if (w !== null && w.state !== IDLE) {
      if (w.state === WAITING) {
        this.#putq.park(w, cx.waker);
        return PENDING;
      }
      w.state = IDLE;
      this.#slotsReserved--;
    } else if (this.#store.size + this.#slotsReserved >= this.maxsize && !this.#shutDown) {
      if (w === null) {
        w = new Waiter();
        f.waiter = w;
      }
      this.#putq.park(w, cx.waker);
      return PENDING;
    }
    if (this.#shutDown) {
      f.item = undefined;
      throw this.#shutDownError("put");
    }
    const item = f.item as T;
    f.item = undefined;
    this.#push(item);
    return undefined;
  }

  /** @internal */
  _cancelPut(f: PutFuture<T>): void {
    const w = f.waiter;
    if (w === null) return;
    if (w.state === WAITING) {
      this.#putq.remove(w);
    } else if (w.state === NOTIFIED) {
      w.state = IDLE;
      this.#slotsReserved--;
      this.#grantSlot();
    }
  }

  /** @internal */
  _pollGet(f: GetFuture<T>, cx: Context): T | Pending {
    this.#owner = touch(this.#owner);
    let w = f.waiter;
    if (w !== null && w.state !== IDLE) {
      if (w.state === WAITING) {
        this.#getq.park(w, cx.waker);
        return PENDING;
      }
      w.state = IDLE;
      this.#itemsReserved--;
      if (this.#store.size > 0) return this.#take();
      // shutdown(true) dropped the item set aside for us.
    } else if (this.#store.size > this.#itemsReserved) {
      return this.#take();
    }
    if (this.#shutDown && this.#store.size === 0) throw this.#shutDownError("get");
    if (w === null) {
      w = new Waiter();
      f.waiter = w;
    }
    this.#getq.park(w, cx.waker);
    return PENDING;
  }

  /** @internal */
  _cancelGet(f: GetFuture<T>): void {
    const w = f.waiter;
    if (w === null) return;
    if (w.state === WAITING) {
      this.#getq.remove(w);
    } else if (w.state === NOTIFIED) {
      w.state = IDLE;
      this.#itemsReserved--;
      if (this.#getq.length > 0 && this.#store.size > this.#itemsReserved) {
        this.#itemsReserved++;
        this.#getq.notifyOne();
      } else if (this.#shutDown && this.#store.size === 0) {
        this.#getq.wakeAll();
      }
    }
  }

  /** @internal The poll of a `join()` wait. */
  _pollWait(w: Waiter, cx: Context): undefined | Pending {
    this.#owner = touch(this.#owner);
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
    return this.#owner === rt;
  }

  /** @internal Checks the invariants (tests). */
  _check(): void {
    this.#getq.check();
    this.#putq.check();
    this.#joinq.check();
    const size = this.#store.size;
    const fail = (what: string): never => {
      throw new Error(`queue#${this._id}: ${what}`);
    };
    if (this.#itemsReserved < 0) fail("negative itemsReserved");
    if (!this.#shutDown && this.#itemsReserved > size) fail("more items reserved than held");
    if (this.#getq.length > 0 && this.#itemsReserved < size)
      fail("a getter waits beside a free item");
    if (this.#slotsReserved < 0 || size + this.#slotsReserved > this.maxsize)
      fail("slot reservations out of range");
    if (this.#putq.length > 0 && size + this.#slotsReserved < this.maxsize)
      fail("a putter waits beside a free slot");
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
