/**
 * `Mutex<T>`: an async lock around a value, held through a guard (Tokio's
 * `sync::Mutex`). Waiters are served first come, first served: a release
 * hands the lock to the first waiter (it cannot be barged by a task that
 * arrives later, including the one that just released it).
 *
 * Why an async mutex at all in a single-threaded runtime: code between two
 * `yield*` already runs alone; a mutex is for critical sections that *wait*
 * (read, await I/O, write back) and must not interleave with each other.
 */

import type { Future } from "../core/future.js";
import { instrumentation, trackCreation } from "../core/instrument.js";
import { keepShapes } from "../core/kept-shapes.js";
import { AcquireFuture, Sem } from "./batch-semaphore.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { AlreadyReleasedError } from "./errors.js";

/** What `statistics()` reports for a mutex. */
export interface MutexStatistics {
  /** True while some guard holds the lock. */
  locked: boolean;
  /** Tasks (or promises) waiting to lock. */
  waiting: number;
}

/** How many finished lock futures a mutex keeps for reuse. */
const MAX_FREE = 64;

// A mutex, a lock future and a guard kept alive once any mutex was made (core/kept-shapes.ts
// says why). The guard is made directly: the anchor's lock is never taken.
let anchored = false;

/**
 * Proof of holding a `Mutex`: read and write the protected value through
 * `value`, then `release()` (or let `using` dispose it).
 */
export class MutexGuard<T> {
  readonly #mutex: Mutex<T>;
  #held = true;

  /** @internal Made by `Mutex.lock()` / `tryLock()`. */
  constructor(mutex: Mutex<T>) {
    this.#mutex = mutex;
  }

  /** The protected value. Throws `AlreadyReleasedError` after `release()`. */
  get value(): T {
    if (!this.#held) throw released("read the value of");
    return this.#mutex._value;
  }

  set value(value: T) {
    if (!this.#held) throw released("write the value of");
    this.#mutex._value = value;
  }

  /** False once released. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Unlocks: the first waiting task gets the lock.
   *
   * Throws: `AlreadyReleasedError` if this guard was already released.
   *
   * @example
   * const guard = yield* mutex.lock();
   * try { guard.value += 1; } finally { guard.release(); }
   */
  release(): void {
    if (!this.#held) throw released("release");
    this.#held = false;
    this.#mutex._sem.release(1);
  }

  /** `using guard = yield* m.lock()`: releases at the end of the block (nothing if already released). */
  [Symbol.dispose](): void {
    if (this.#held) this.release();
  }

  /** @internal `Condition.wait`: unlock while waiting; the guard must hold `mutex`. */
  _lend(mutex: Mutex<unknown>, what: string): void {
    if (this.#mutex !== mutex) {
      throw new TypeError(`${what}: the guard belongs to another Mutex than the condition's`);
    }
    if (!this.#held) throw released(`wait with (${what})`);
    this.#held = false;
    this.#mutex._sem.release(1);
  }

  /** @internal `Condition.wait`: the lock is held again through this guard. */
  _rearm(): void {
    this.#held = true;
  }
}

function released(what: string): AlreadyReleasedError {
  return new AlreadyReleasedError(`cannot ${what} a Mutex guard that was already released`);
}

class LockFuture<T> extends AcquireFuture<MutexGuard<T>> {
  readonly #mutex: Mutex<T>;
  /** The next free future in the mutex's pool. */
  nextFree: LockFuture<T> | null = null;
  /** Invariant: true exactly while this future is in the pool (never twice). */
  pooled = false;
  constructor(mutex: Mutex<T>) {
    super(mutex._sem);
    this.#mutex = mutex;
  }
  protected granted(): MutexGuard<T> {
    return new MutexGuard(this.#mutex);
  }
  protected override released(): void {
    this.#mutex._recycle(this);
  }
  override describe(): string {
    return `lock on mutex#${this.sem.id}`;
  }
}

/**
 * An async mutual-exclusion lock protecting a value of type `T`.
 *
 * @example
 * const counter = new Mutex(0);
 * using guard = yield* counter.lock();
 * guard.value += 1;
 */
export class Mutex<T = void> {
  /** @internal */
  readonly _sem = new Sem(1);
  /** @internal The protected value; reach it through a guard. */
  _value: T;
  /**
   * Free lock futures (each with its parking-lot waiter), so a contended lock
   * allocates only its guard: the futures of tasks that waited are reused.
   * A future returned by `lock()` is good for one `yield*` (see channel.ts).
   */
  #free: LockFuture<T> | null = null;
  #freeCount = 0;

  /** `value`: what the lock protects (none for a plain lock: `new Mutex()`). */
  constructor(value?: T) {
    this._value = value as T;
    if (!anchored) {
      anchored = true;
      const m = new Mutex<unknown>();
      keepShapes(m, m.lock(), new MutexGuard(m));
    }
  }

  /** True while a guard holds the lock. */
  get locked(): boolean {
    return this._sem.available === 0;
  }

  /**
   * Waits for the lock and returns its guard. Waiters are served in arrival order.
   *
   * Cancellation: cancel-safe. A lock cancelled while waiting took nothing; if
   * the lock had just been handed to it, it passes to the next waiter.
   * Throws: nothing of its own.
   *
   * @example
   * const guard = yield* mutex.lock();
   * try {
   *   guard.value = yield* refresh(guard.value);
   * } finally {
   *   guard.release();
   * }
   */
  lock(): Future<MutexGuard<T>> {
    let f = this.#free;
    if (instrumentation.track !== null) {
      // Debug mode tracks each future it sees created: a fresh one, never a pooled one.
      f = trackCreation(new LockFuture(this));
    } else if (f !== null) {
      this.#free = f.nextFree;
      f.nextFree = null;
      f.pooled = false;
      this.#freeCount--;
    } else {
      f = new LockFuture(this);
    }
    return f;
  }

  /** @internal A lock future finished: keep it for the next `lock()` (up to a bound). */
  _recycle(f: LockFuture<T>): void {
    if (f.pooled || this.#freeCount >= MAX_FREE) return;
    f.pooled = true;
    f.nextFree = this.#free;
    this.#free = f;
    this.#freeCount++;
  }

  /**
   * The guard if the lock is free and nobody waits for it, else `null`.
   *
   * @example
   * const guard = mutex.tryLock();
   * if (guard) { try { work(guard.value); } finally { guard.release(); } }
   */
  tryLock(): MutexGuard<T> | null {
    return this._sem.tryAcquire(1) ? new MutexGuard(this) : null;
  }

  /** `lock` for plain async code; aborting `options.signal` gives up the wait. */
  lockAsync(options?: AsyncOptions): Promise<MutexGuard<T>> {
    return toPromise(this.lock(), options?.signal);
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): MutexStatistics {
    return { locked: this.locked, waiting: this._sem.q.length };
  }
}
