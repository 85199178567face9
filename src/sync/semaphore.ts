/**
 * `Semaphore`: a count of permits that tasks acquire and release, to bound
 * concurrency ("at most 10 downloads at once"). Fair: waiters are served in
 * arrival order, and one asking for many permits holds back those behind it
 * until it is served (so it is never starved). See `batch-semaphore.ts` for the model.
 */

import type { Future } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { checkCount } from "./args.js";
import { AcquireFuture, Sem } from "./batch-semaphore.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { AlreadyReleasedError, SemaphoreClosedError } from "./errors.js";

/** What `statistics()` reports for a semaphore. */
export interface SemaphoreStatistics {
  /** Free permits. */
  available: number;
  /** Tasks (or promises) waiting to acquire. */
  waiting: number;
}

/** Held permits of a `Semaphore`: give them back with `release()` (or `using`). */
export class Permit {
  readonly #sem: Sem;
  #permits: number;

  /** @internal Made by `acquire` / `tryAcquire`. */
  constructor(sem: Sem, permits: number) {
    this.#sem = sem;
    this.#permits = permits;
  }

  /** How many permits this holds (0 once released). */
  get permits(): number {
    return this.#permits;
  }

  /**
   * Gives the permits back; waiting tasks are served in arrival order.
   *
   * Throws: `AlreadyReleasedError` if already released.
   *
   * @example
   * const permit = yield* sem.acquire();
   * try { yield* download(url); } finally { permit.release(); }
   */
  release(): void {
    const k = this.#permits;
    if (k === 0) throw new AlreadyReleasedError("this Semaphore permit was already released");
    this.#permits = 0;
    this.#sem.release(k);
  }

  /** `using permit = yield* sem.acquire()`: released at the end of the block (nothing if already released). */
  [Symbol.dispose](): void {
    if (this.#permits !== 0) this.release();
  }
}

class PermitFuture extends AcquireFuture<Permit> {
  constructor(sem: Sem, need: number) {
    super(sem);
    this.need = need;
  }
  protected granted(): Permit {
    return new Permit(this.sem, this.need);
  }
  override describe(): string {
    return `acquire(${this.need}) on semaphore#${this.sem.id}`;
  }
}

/**
 * A counting semaphore with `permits` initial permits (an integer >= 0; 0
 * means every acquire waits for `addPermits`).
 *
 * Throws: `RangeError` for a negative or non-integer count.
 *
 * @example
 * const limit = new Semaphore(3);
 * using permit = yield* limit.acquire();
 */
export class Semaphore {
  readonly #sem: Sem;

  constructor(permits: number) {
    checkCount(permits, "new Semaphore(permits)", 0);
    this.#sem = new Sem(permits);
  }

  /** Free permits now. */
  get available(): number {
    return this.#sem.available;
  }

  /**
   * Waits until `k` permits are free (and everyone who asked earlier was
   * served), then holds them.
   *
   * Cancellation: cancel-safe. A cancelled acquire holds nothing; permits that
   * had just been set aside for it go to the next waiter.
   * Throws: `RangeError` if `k` is not an integer >= 1;
   * `SemaphoreClosedError` if the semaphore is closed before it is served.
   *
   * @example
   * const permit = yield* sem.acquire(2);
   * try { yield* bigJob(); } finally { permit.release(); }
   */
  acquire(k = 1): Future<Permit> {
    checkCount(k, "Semaphore.acquire(k)", 1);
    return trackCreation(new PermitFuture(this.#sem, k));
  }

  /**
   * `k` permits at once if they are free and nobody waits, else `null`.
   *
   * Throws: `SemaphoreClosedError` once the semaphore is closed.
   *
   * @example
   * const permit = sem.tryAcquire();
   * if (permit === null) return "busy";
   */
  tryAcquire(k = 1): Permit | null {
    checkCount(k, "Semaphore.tryAcquire(k)", 1);
    if (this.#sem.closed !== null) throw this.#sem.closed();
    return this.#sem.tryAcquire(k) ? new Permit(this.#sem, k) : null;
  }

  /** `acquire` for plain async code; aborting `options.signal` gives up the wait. */
  acquireAsync(k = 1, options?: AsyncOptions): Promise<Permit> {
    return toPromise(this.acquire(k), options?.signal);
  }

  /**
   * Adds `n` new permits (not tied to any `Permit`), serving waiters.
   *
   * @example
   * sem.addPermits(2); // raise the limit
   */
  addPermits(n: number): void {
    checkCount(n, "Semaphore.addPermits(n)", 0);
    this.#sem.release(n);
  }

  /**
   * Removes up to `n` free permits for good (Tokio's `forget_permits`): held
   * permits are not touched, so fewer than `n` go when fewer are free.
   * Returns how many were removed.
   *
   * Throws: `RangeError` if `n` is not an integer >= 0.
   *
   * @example
   * const sem = new Semaphore(5);
   * sem.forget(2); // lower the limit to 3
   */
  forget(n: number): number {
    checkCount(n, "Semaphore.forget(n)", 0);
    return this.#sem.forget(n);
  }

  /**
   * Closes the semaphore: waiting acquires, later ones and `tryAcquire` fail
   * with `SemaphoreClosedError` (Tokio's `Semaphore::close`). Held permits stay
   * valid and may be released; closing twice does nothing more.
   *
   * @example
   * const sem = new Semaphore(0);
   * sem.close();
   * console.log(sem.closed); // true
   */
  close(): void {
    if (this.#sem.closed !== null) return;
    const id = this.#sem.id;
    this.#sem.close(() => new SemaphoreClosedError(`semaphore#${id} is closed`));
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#sem.closed !== null;
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): SemaphoreStatistics {
    return { available: this.#sem.available, waiting: this.#sem.q.length };
  }

  /** @internal Checks the invariants (tests). */
  _check(): void {
    this.#sem.check();
  }
}
