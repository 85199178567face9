/**
 * `CapacityLimiter`: Trio's `CapacityLimiter` — at most `total` tasks hold a
 * token at once, each task at most one. Unlike a `Semaphore` it knows who
 * borrows (a task acquiring a second token is a mistake, reported at once
 * rather than deadlocking), and its `total` can be changed while in use.
 *
 * Built on the batch semaphore (FIFO, cancel-safe acquires). Lowering
 * `total` below what is borrowed cannot take tokens back: the shortfall is
 * kept as `#debt` and paid off by the next releases, which then free nothing.
 */

import { cur } from "../core/current.js";
import type { Future } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { AcquireFuture, Sem } from "./batch-semaphore.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { AlreadyReleasedError } from "./errors.js";

/** What `statistics()` reports for a capacity limiter. */
export interface CapacityLimiterStatistics {
  /** Tokens held now. */
  borrowed: number;
  /** The limit. */
  total: number;
  /** Tasks (or promises) waiting for a token. */
  waiting: number;
}

function checkTotal(value: unknown, what: string): number {
  if (typeof value !== "number" || !(Number.isInteger(value) || value === Infinity) || value < 1) {
    throw new RangeError(`${what}: expected an integer >= 1 (or Infinity), got ${String(value)}`);
  }
  return value;
}

/** A token of a `CapacityLimiter`: give it back with `release()` (or `using`). */
export class CapacityToken {
  readonly #limiter: CapacityLimiter;
  readonly #borrower: object;
  #held = true;

  /** @internal Made by `acquire` / `tryAcquire`. */
  constructor(limiter: CapacityLimiter, borrower: object) {
    this.#limiter = limiter;
    this.#borrower = borrower;
  }

  /** False once released. */
  get held(): boolean {
    return this.#held;
  }

  /** Gives the token back. Throws `AlreadyReleasedError` if already released. */
  release(): void {
    if (!this.#held)
      throw new AlreadyReleasedError("this CapacityLimiter token was already released");
    this.#held = false;
    this.#limiter._release(this.#borrower);
  }

  /** `using token = yield* limiter.acquire()`: released at the end of the block. */
  [Symbol.dispose](): void {
    if (this.#held) this.release();
  }
}

class TokenFuture extends AcquireFuture<CapacityToken> {
  readonly #limiter: CapacityLimiter;
  readonly #borrower: object;
  constructor(limiter: CapacityLimiter, borrower: object) {
    super(limiter._sem);
    this.#limiter = limiter;
    this.#borrower = borrower;
  }
  protected granted(): CapacityToken {
    return this.#limiter._grant(this.#borrower);
  }
  override describe(): string {
    return `acquire on capacity-limiter#${this.sem.id}`;
  }
}

/**
 * Lets at most `total` tasks hold a token at once (an integer >= 1, or
 * `Infinity`), each task at most one.
 *
 * Throws: `RangeError` for a `total` that is not an integer >= 1.
 *
 * @example
 * const limiter = new CapacityLimiter(2);
 * using token = yield* limiter.acquire();
 * console.log(limiter.borrowed); // 1
 */
export class CapacityLimiter {
  /** @internal */
  readonly _sem: Sem;
  #total: number;
  /** Tokens still to be retired by releases after `total` was lowered below what was free. */
  #debt = 0;
  readonly #borrowers = new Set<object>();

  constructor(total: number) {
    this.#total = checkTotal(total, "new CapacityLimiter(total)");
    this._sem = new Sem(total);
  }

  /** The limit; setting it raises (waking waiters) or lowers it (held tokens stay held). */
  get total(): number {
    return this.#total;
  }

  set total(value: number) {
    checkTotal(value, "CapacityLimiter.total");
    const delta = value - this.#total;
    this.#total = value;
    if (delta > 0) {
      const paid = Math.min(delta, this.#debt);
      this.#debt -= paid;
      if (delta > paid) this._sem.release(delta - paid);
    } else if (delta < 0) {
      this.#debt += -delta - this._sem.forget(-delta);
    }
  }

  /** Tokens held now. */
  get borrowed(): number {
    return this.#borrowers.size;
  }

  /** Tokens free now. */
  get available(): number {
    return this._sem.available;
  }

  /**
   * Waits for a token for the current task (FIFO).
   *
   * Cancellation: cancel-safe. A cancelled acquire holds nothing and a token
   * that had just been set aside for it goes to the next waiter.
   * Throws: `Error` if the current task already holds a token of this limiter
   * (as Trio's `RuntimeError`): at the call, or when a second acquire of the
   * same task would be granted.
   *
   * @example
   * const limiter = new CapacityLimiter(1);
   * const token = yield* limiter.acquire();
   * try { yield* sleep(1); } finally { token.release(); }
   */
  acquire(): Future<CapacityToken> {
    const borrower = this.#borrower();
    return trackCreation(new TokenFuture(this, borrower));
  }

  /** A token at once if one is free and nobody waits, else `null`. Throws as `acquire`. */
  tryAcquire(): CapacityToken | null {
    const borrower = this.#borrower();
    return this._sem.tryAcquire(1) ? this._grant(borrower) : null;
  }

  /** `acquire` for plain async code (each call its own borrower); aborting `options.signal` gives up the wait. */
  acquireAsync(options?: AsyncOptions): Promise<CapacityToken> {
    return toPromise(this.acquire(), options?.signal);
  }

  /** A snapshot of its state, for listings and monitoring. */
  statistics(): CapacityLimiterStatistics {
    return { borrowed: this.#borrowers.size, total: this.#total, waiting: this._sem.q.length };
  }

  /** The current task, or (outside any task) a fresh object: each such call is its own borrower. */
  #borrower(): object {
    const task = cur.task;
    if (task === null) return {};
    if (this.#borrowers.has(task)) throw alreadyHolding();
    return task;
  }

  /** @internal Its permit is the borrower's now: record it, or give it back if it already holds one. */
  _grant(borrower: object): CapacityToken {
    if (this.#borrowers.has(borrower)) {
      this._sem.release(1);
      throw alreadyHolding();
    }
    this.#borrowers.add(borrower);
    return new CapacityToken(this, borrower);
  }

  /** @internal */
  _release(borrower: object): void {
    this.#borrowers.delete(borrower);
    if (this.#debt > 0) this.#debt--;
    else this._sem.release(1);
  }
}

function alreadyHolding(): Error {
  return new Error(
    "this task already holds a token of this CapacityLimiter (a task may hold one at a time)",
  );
}
