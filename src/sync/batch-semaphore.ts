/**
 * The batch semaphore under `Semaphore`, `Mutex` and `RwLock` (as Tokio's
 * `batch_semaphore.rs` is under its three).
 *
 * The model
 * ---------
 * `#permits` free permits and a FIFO parking lot of waiters, each asking for
 * `waiter.need` permits. Fairness is strict: when permits are released they
 * are assigned to waiters from the front of the line while the front one can
 * be served; a waiter that needs more than is free blocks everyone behind it
 * (a writer waiting on an `RwLock` holds back later readers, so it is never
 * starved). A waiter assigned its permits is NOTIFIED: they are set aside for
 * it and become its own inside its next poll; if it is cancelled first it
 * releases them again, which serves the next in line.
 *
 * Invariant: the first waiter needs more than `#permits` (else it would have
 * been served): so `tryAcquire` and a new `acquire` succeed at once exactly
 * when nobody waits and enough permits are free.
 */
import type { Context, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { InlineFuture } from "./inline.js";

let nextId = 0;

export class Sem {
  #permits: number;
  readonly q = new WaitQueue();
  #owner: Owner = initialOwner();
  #id = 0;
  /** Set by `close()`: acquires not yet granted fail (only `Semaphore` closes). */
  closed: (() => Error) | null = null;

  constructor(permits: number) {
    this.#permits = permits;
  }

  get id(): number {
    if (this.#id === 0) this.#id = ++nextId;
    return this.#id;
  }

  /** Free permits (not held, not set aside for a notified waiter). */
  get available(): number {
    return this.#permits;
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#owner === rt;
  }

  /** Takes `k` permits if that is possible without waiting (and nobody waits). */
  tryAcquire(k: number): boolean {
    this.#owner = touch(this.#owner);
    if (this.q.length === 0 && this.#permits >= k) {
      this.#permits -= k;
      return true;
    }
    return false;
  }

  /** Gives `k` permits back and serves waiters from the front of the line. */
  release(k: number): void {
    this.#owner = touch(this.#owner);
    this.#permits += k;
    this.#dispatch();
  }

  /**
   * Closes the semaphore: waiters not yet granted wake without a grant and
   * fail at their next poll with `error()`, as do later acquires. Waiters
   * already granted keep what was set aside for them.
   */
  close(error: () => Error): void {
    this.#owner = touch(this.#owner);
    this.closed = error;
    this.q.wakeAll();
  }

  /** Removes up to `n` free permits for good; returns how many were removed. */
  forget(n: number): number {
    this.#owner = touch(this.#owner);
    const k = Math.min(n, this.#permits);
    this.#permits -= k;
    return k;
  }

  #dispatch(): void {
    const q = this.q;
    for (let w = q.first; w !== null && w.need <= this.#permits; w = q.first) {
      this.#permits -= w.need;
      q.notifyOne();
    }
  }

  /** The poll of an acquire: true once its permits are its own, else PENDING. */
  poll(op: AcquireFuture<unknown>, cx: Context): boolean | Pending {
    this.#owner = touch(this.#owner);
    let w = op.waiter;
    if (w !== null) {
      if (w.state === NOTIFIED) {
        w.state = IDLE;
        return true;
      }
      if (w.state === WAITING) {
        this.q.park(w, cx.waker);
        return PENDING;
      }
    }
    if (this.closed !== null) throw this.closed();
    const k = op.need;
    if (this.q.length === 0 && this.#permits >= k) {
      this.#permits -= k;
      return true;
    }
    if (w === null) {
      w = new Waiter();
      op.waiter = w;
    }
    w.need = k;
    this.q.park(w, cx.waker);
    return PENDING;
  }

  /** False only if an acquire now would surely wait (see `InlineFuture.mayBeReady`). */
  mayAcquire(op: AcquireFuture<unknown>): boolean {
    const w = op.waiter;
    return (
      (w !== null && w.state === NOTIFIED) || (this.q.length === 0 && this.#permits >= op.need)
    );
  }

  /** An acquire was dropped: leave the line (maybe unblocking those behind), or give back what was set aside. */
  cancel(op: AcquireFuture<unknown>): void {
    const w = op.waiter;
    if (w === null) return;
    if (w.state === WAITING) {
      const first = this.q.first === w;
      this.q.remove(w);
      if (first) this.#dispatch();
    } else if (w.state === NOTIFIED) {
      w.state = IDLE;
      this.release(w.need);
    }
  }

  /** Checks the invariant; throws if broken (tests). */
  check(): void {
    this.q.check();
    const first = this.q.first;
    if (this.#permits < 0) throw new Error(`semaphore#${this.id}: negative permits`);
    if (first !== null && first.need <= this.#permits) {
      throw new Error(`semaphore#${this.id}: the first waiter could be served`);
    }
  }
}

/**
 * The future of an acquisition: polls the semaphore and, once its permits are
 * its own, returns what `granted()` builds (a guard, a permit). Subclasses may
 * be cached per primitive and reused once `released()` was called (the mutex
 * pools its lock futures).
 */
export abstract class AcquireFuture<R> extends InlineFuture<R> {
  waiter: Waiter | null = null;
  need = 1;
  protected readonly sem: Sem;

  constructor(sem: Sem) {
    super();
    this.sem = sem;
  }

  /** Builds the result once the permits are this future's own. */
  protected abstract granted(): R;

  protected override mayBeReady(): boolean {
    return this.sem.mayAcquire(this);
  }

  poll(cx: Context): R | Pending {
    if (this.sem.poll(this, cx) === PENDING) return PENDING;
    const result = this.granted();
    this.released();
    return result;
  }

  cancel(): void {
    this.sem.cancel(this);
    this.released();
  }

  /** Called once the acquisition is over (granted or dropped): the future may be reused. */
  protected released(): void {}

  isLocalTo(rt: Runtime): boolean {
    return this.sem.isLocalTo(rt);
  }
}
