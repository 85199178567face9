/**
 * `Condition`: wait until another task says something changed, while
 * holding a `Mutex` (asyncio's `Condition`, with the lock held through a guard).
 *
 * `wait(guard)` releases the guard's lock, waits for `notify`/`notifyAll`,
 * then locks again (the same guard is held again) before it returns, also
 * when the waiting task is cancelled (as in asyncio, so a `finally` that
 * releases the guard stays correct). A waiter woken by `notify` and cancelled
 * before it ran passes the notification on to the next waiter.
 */

import { withCleanup } from "../core/cleanup.js";
import type { Context, Coroutine, Future, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { IDLE, NOTIFIED, WAITING, type Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { checkCount } from "./args.js";
import { AcquireFuture } from "./batch-semaphore.js";
import { Mutex, type MutexGuard } from "./mutex.js";
import { WaitFuture, type WaitHost } from "./wait-future.js";

/** What `statistics()` reports for a Condition. */
export interface ConditionStatistics {
  /** Tasks waiting to be notified (not counting those re-locking). */
  waiting: number;
  /** True while the underlying mutex is held. */
  locked: boolean;
}

/** Marks a waiter picked by `notify` (passed on if cancelled); `notifyAll` wakes everyone anyway. */
const BY_NOTIFY = 1;
let nextId = 0;

/** Takes the mutex again for a guard that `wait` lent out. */
class Relock<T> extends AcquireFuture<void> {
  readonly #guard: MutexGuard<T>;
  constructor(mutex: Mutex<T>, guard: MutexGuard<T>) {
    super(mutex._sem);
    this.#guard = guard;
  }
  protected granted(): undefined {
    this.#guard._rearm();
    return undefined;
  }
  override describe(): string {
    return `re-lock of mutex#${this.sem.id} after a condition wait`;
  }
}

/**
 * A condition variable bound to a `Mutex` (a fresh one unless given).
 *
 * @example
 * const cond = new Condition(new Mutex<string[]>([]));
 * spawn(function* () { // a consumer
 *   using guard = yield* cond.lock();
 *   yield* cond.waitFor(guard, () => guard.value.length > 0);
 *   const job = guard.value.shift();
 * });
 * // the producer
 * using g = yield* cond.lock();
 * g.value.push("job");
 * cond.notify();
 */
export class Condition<T = void> implements WaitHost<void> {
  /** The mutex that `lock()` takes and `wait()` releases while waiting. */
  readonly mutex: Mutex<T>;
  readonly #q = new WaitQueue();
  #owner: Owner = initialOwner();
  /** @internal */
  readonly _id = ++nextId;

  constructor(mutex?: Mutex<T>) {
    if (mutex !== undefined && !(mutex instanceof Mutex)) {
      throw new TypeError("new Condition(mutex): expected a Mutex");
    }
    this.mutex = mutex ?? new Mutex<T>();
  }

  /** Locks the condition's mutex: `mutex.lock()`. */
  lock(): Future<MutexGuard<T>> {
    return this.mutex.lock();
  }

  /**
   * Releases `guard`'s lock, waits for a notification, and locks again before
   * returning (the same guard is held again).
   *
   * Cancellation: the wait ends, and the lock is taken again before the
   * cancellation goes on (shielded), so the guard is held in your `finally`. A
   * notification that had picked this waiter goes to the next one.
   *
   * Why a coroutine and not a Future, unlike every other wait: a cancelled
   * wait must hold the lock again before your `finally` runs, and taking a lock
   * may have to wait, but a Future's `cancel()` is synchronous (Rust's drop)
   * and cannot. asyncio's `Condition.wait` is a coroutine for the same reason.
   * Use it with `yield*`; handed to a combinator it runs as a child task.
   * Throws: `TypeError` if the guard is of another mutex;
   * `AlreadyReleasedError` if it was released.
   *
   * @example
   * using guard = yield* cond.lock();
   * while (!ready) yield* cond.wait(guard);
   */
  *wait(guard: MutexGuard<T>): Coroutine<void> {
    guard._lend(this.mutex as Mutex<unknown>, "Condition.wait(guard)");
    // The re-lock is cleanup that waits, on every way out (shielded).
    yield* withCleanup(
      new WaitFuture(this, "wait on condition"),
      () => new Relock(this.mutex, guard),
    );
  }

  /**
   * Waits (as `wait`) until `predicate()` is true; checks it first, with the lock held.
   *
   * @example
   * using guard = yield* cond.lock();
   * yield* cond.waitFor(guard, () => guard.value.length > 0);
   */
  *waitFor(guard: MutexGuard<T>, predicate: () => boolean): Coroutine<void> {
    while (!predicate()) yield* this.wait(guard);
  }

  /**
   * Wakes up to `n` waiting tasks, longest-waiting first (each then re-locks).
   *
   * Throws: `RangeError` if `n` is not an integer >= 0.
   *
   * @example
   * cond.notify();
   */
  notify(n = 1): void {
    checkCount(n, "Condition.notify(n)", 0);
    this.#owner = touch(this.#owner);
    for (let i = 0; i < n; i++) {
      const w = this.#q.notifyOne();
      if (w === null) break;
      w.tag = BY_NOTIFY;
    }
  }

  /** Wakes every waiting task. */
  notifyAll(): void {
    this.#owner = touch(this.#owner);
    this.#q.notifyAll();
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): ConditionStatistics {
    return { waiting: this.#q.length, locked: this.mutex.locked };
  }

  /** @internal */
  _pollWait(w: Waiter, cx: Context): undefined | Pending {
    this.#owner = touch(this.#owner);
    if (w.state === NOTIFIED) {
      w.state = IDLE;
      return undefined;
    }
    w.tag = null;
    this.#q.park(w, cx.waker);
    return PENDING;
  }

  /** @internal */
  _cancelWait(w: Waiter): void {
    if (w.state === WAITING) {
      this.#q.remove(w);
    } else if (w.state === NOTIFIED) {
      w.state = IDLE;
      if (w.tag === BY_NOTIFY) this.notify(); // pass the notification on
    }
  }

  /** @internal */
  _isLocalTo(rt: Runtime): boolean {
    return this.#owner === rt;
  }
}
