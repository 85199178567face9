/**
 * `RwLock<T>`: many readers or one writer (Tokio's `sync::RwLock`). Built on
 * the batch semaphore with `maxReaders` permits: a read takes one, a write
 * takes them all. The line is FIFO, so a waiting writer holds back readers
 * that arrive after it (writers are never starved), and readers queued
 * together are let in together.
 */

import type { Future } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { checkCount } from "./args.js";
import { AcquireFuture, Sem } from "./batch-semaphore.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { AlreadyReleasedError } from "./errors.js";

/** What `statistics()` reports for an RwLock. */
export interface RwLockStatistics {
  /** Read guards held now. */
  readers: number;
  /** True while a write guard is held. */
  writer: boolean;
  /** Tasks (or promises) waiting to read or write. */
  waiting: number;
}

/** Options for `new RwLock()`. */
export interface RwLockOptions {
  /** How many read guards may be held at once. @default 536870911 */
  maxReaders?: number;
}

const MAX_READERS = 2 ** 29 - 1;

/** Shared, read-only access to an `RwLock`'s value. */
export class ReadGuard<T> {
  readonly #lock: RwLock<T>;
  #held = true;

  /** @internal */
  constructor(lock: RwLock<T>) {
    this.#lock = lock;
  }

  /** The protected value. Throws `AlreadyReleasedError` after `release()`. */
  get value(): T {
    if (!this.#held) throw released("read", "read the value of");
    return this.#lock._value;
  }

  /** False once released. */
  get held(): boolean {
    return this.#held;
  }

  /** Ends this read. Throws `AlreadyReleasedError` if already released. */
  release(): void {
    if (!this.#held) throw released("read", "release");
    this.#held = false;
    this.#lock._readDone();
  }

  /** `using guard = …`: releases at the end of the block (nothing if already released). */
  [Symbol.dispose](): void {
    if (this.#held) this.release();
  }
}

/** Exclusive access to an `RwLock`'s value. */
export class WriteGuard<T> {
  readonly #lock: RwLock<T>;
  #held = true;

  /** @internal */
  constructor(lock: RwLock<T>) {
    this.#lock = lock;
  }

  /** The protected value, readable and writable. Throws `AlreadyReleasedError` after `release()`. */
  get value(): T {
    if (!this.#held) throw released("write", "read the value of");
    return this.#lock._value;
  }

  set value(value: T) {
    if (!this.#held) throw released("write", "write the value of");
    this.#lock._value = value;
  }

  /** False once released. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Turns this write into a read without letting a writer in between
   * (Tokio's `RwLockWriteGuard::downgrade`): synchronous; this guard is
   * released and the returned read guard holds the lock. Readers waiting at
   * the front of the line get in at once; writers still wait.
   *
   * Throws: `AlreadyReleasedError` if this guard was already released.
   *
   * @example
   * const lock = new RwLock(0);
   * const w = lock.tryWrite();
   * if (w !== null) {
   *   w.value = 1;
   *   const r = w.downgrade();
   *   console.log(r.value, lock.statistics().readers); // 1 1
   *   r.release();
   * }
   */
  downgrade(): ReadGuard<T> {
    if (!this.#held) throw released("write", "downgrade");
    this.#held = false;
    return this.#lock._downgrade();
  }

  /** Ends this write. Throws `AlreadyReleasedError` if already released. */
  release(): void {
    if (!this.#held) throw released("write", "release");
    this.#held = false;
    this.#lock._writeDone();
  }

  /** `using guard = …`: releases at the end of the block (nothing if already released). */
  [Symbol.dispose](): void {
    if (this.#held) this.release();
  }
}

function released(kind: string, what: string): AlreadyReleasedError {
  return new AlreadyReleasedError(
    `cannot ${what} an RwLock ${kind} guard that was already released`,
  );
}

class ReadFuture<T> extends AcquireFuture<ReadGuard<T>> {
  readonly #lock: RwLock<T>;
  constructor(lock: RwLock<T>) {
    super(lock._sem);
    this.#lock = lock;
  }
  protected granted(): ReadGuard<T> {
    return this.#lock._readGuard();
  }
  override describe(): string {
    return `read on rwlock#${this.sem.id}`;
  }
}

class WriteFuture<T> extends AcquireFuture<WriteGuard<T>> {
  readonly #lock: RwLock<T>;
  constructor(lock: RwLock<T>, need: number) {
    super(lock._sem);
    this.need = need;
    this.#lock = lock;
  }
  protected granted(): WriteGuard<T> {
    return this.#lock._writeGuard();
  }
  override describe(): string {
    return `write on rwlock#${this.sem.id}`;
  }
}

/**
 * A reader-writer lock protecting a value of type `T`.
 *
 * Throws: `RangeError` if `maxReaders` is not an integer >= 1.
 *
 * @example
 * const config = new RwLock({ retries: 3 });
 * using r = yield* config.read();
 * console.log(r.value.retries);
 */
export class RwLock<T = void> {
  /** @internal */
  readonly _sem: Sem;
  /** @internal */
  _value: T;
  readonly #max: number;
  #readers = 0;
  #writer = false;

  constructor(value?: T, options: RwLockOptions = {}) {
    this.#max = checkCount(options.maxReaders ?? MAX_READERS, "new RwLock(value, {maxReaders})", 1);
    this._sem = new Sem(this.#max);
    this._value = value as T;
  }

  /**
   * Waits for shared access (while no writer holds or waits ahead of it).
   *
   * Cancellation: cancel-safe; a cancelled read holds nothing, and access set
   * aside for it goes to the next in line.
   *
   * @example
   * const guard = yield* lock.read();
   * try { use(guard.value); } finally { guard.release(); }
   */
  read(): Future<ReadGuard<T>> {
    return trackCreation(new ReadFuture(this));
  }

  /**
   * Waits for exclusive access.
   *
   * Cancellation: cancel-safe, as `read`.
   *
   * @example
   * using guard = yield* lock.write();
   * guard.value = next;
   */
  write(): Future<WriteGuard<T>> {
    return trackCreation(new WriteFuture(this, this.#max));
  }

  /** A read guard if one is available without waiting, else `null`. */
  tryRead(): ReadGuard<T> | null {
    return this._sem.tryAcquire(1) ? this._readGuard() : null;
  }

  /** A write guard if the lock is free and nobody waits, else `null`. */
  tryWrite(): WriteGuard<T> | null {
    return this._sem.tryAcquire(this.#max) ? this._writeGuard() : null;
  }

  /** `read` for plain async code. */
  readAsync(options?: AsyncOptions): Promise<ReadGuard<T>> {
    return toPromise(this.read(), options?.signal);
  }

  /** `write` for plain async code. */
  writeAsync(options?: AsyncOptions): Promise<WriteGuard<T>> {
    return toPromise(this.write(), options?.signal);
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): RwLockStatistics {
    return { readers: this.#readers, writer: this.#writer, waiting: this._sem.q.length };
  }

  /** @internal */
  _readGuard(): ReadGuard<T> {
    this.#readers++;
    return new ReadGuard(this);
  }

  /** @internal */
  _writeGuard(): WriteGuard<T> {
    this.#writer = true;
    return new WriteGuard(this);
  }

  /** @internal */
  _readDone(): void {
    this.#readers--;
    this._sem.release(1);
  }

  /** @internal A write becomes a read: keep one permit, give back the rest. */
  _downgrade(): ReadGuard<T> {
    this.#writer = false;
    const guard = this._readGuard();
    this._sem.release(this.#max - 1);
    return guard;
  }

  /** @internal */
  _writeDone(): void {
    this.#writer = false;
    this._sem.release(this.#max);
  }
}
