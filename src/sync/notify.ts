/**
 * `Notify`: wake one task or all of them, with Tokio's stored-permit
 * semantics (`tokio::sync::Notify`):
 *
 * - `notifyOne()` wakes the longest-waiting `notified()`; if nobody waits, it
 *   stores one permit (at most one: more calls do not add up), and the next
 *   `notified()` completes at once, consuming it. So a notification sent just
 *   before the other task starts waiting is not lost.
 * - `notifyLast()` is `notifyOne` but wakes the most recent waiter (Tokio's
 *   `notify_last`), storing the same single permit if nobody waits.
 * - `notifyAll()` wakes every waiting `notified()`, and every `notified()`
 *   future *created* before the call even if not polled yet (it remembers the
 *   call count at creation); it stores no permit.
 *
 * A `notified()` woken by `notifyOne` and cancelled before it polled passes the
 * notification on (to the next waiter, or as the stored permit): no lost wake-up.
 */

import type { Context, Future, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { InlineFuture } from "./inline.js";

/** What `statistics()` reports for a Notify. */
export interface NotifyStatistics {
  /** Tasks (or promises) waiting in `notified()`. */
  waiting: number;
  /** True if a `notifyOne` is stored for the next `notified()`. */
  permit: boolean;
}

/** Marks a waiter granted by `notifyOne` (it passes the grant on if cancelled). */
const BY_ONE = 1;
/** Marks a waiter granted by `notifyLast` (it passes the grant on, to the newest waiter, if cancelled). */
const BY_LAST = 2;
let nextId = 0;

class Notified extends InlineFuture<void> {
  readonly #n: Notify;
  readonly #calls: number;
  waiter: Waiter | null = null;

  constructor(n: Notify, calls: number) {
    super();
    this.#n = n;
    this.#calls = calls;
  }

  poll(cx: Context): undefined | Pending {
    return this.#n._poll(this, cx, this.#calls);
  }

  cancel(): void {
    this.#n._cancel(this);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#n._isLocalTo(rt);
  }

  override describe(): string {
    return `notified on notify#${this.#n._id}`;
  }
}

/**
 * Wakes tasks waiting in `notified()`: one (`notifyOne`, stored if nobody
 * waits yet) or all (`notifyAll`).
 *
 * @example
 * const ready = new Notify();
 * spawn(function* () { yield* ready.notified(); console.log("go"); });
 * ready.notifyOne();
 */
export class Notify {
  readonly #q = new WaitQueue();
  #permit = false;
  /** How many `notifyAll` calls so far. */
  #calls = 0;
  #owner: Owner = initialOwner();
  /** @internal */
  readonly _id = ++nextId;

  /**
   * Waits for a notification. Completes at once if a `notifyOne` permit is
   * stored (consuming it), or if `notifyAll` was called since this future was
   * created.
   *
   * Cancellation: cancel-safe. A cancelled wait consumed nothing; a
   * `notifyOne` that had picked it is passed to the next waiter (or stored).
   *
   * @example
   * const wake = notify.notified(); // create before checking, so no notifyAll is missed
   * if (!ready()) yield* wake;
   */
  notified(): Future<void> {
    return trackCreation(new Notified(this, this.#calls));
  }

  /** `notified` for plain async code. */
  notifiedAsync(options?: AsyncOptions): Promise<void> {
    return toPromise(this.notified(), options?.signal);
  }

  /**
   * Wakes the longest-waiting `notified()`, or stores one permit for the next
   * (at most one is stored).
   *
   * @example
   * notify.notifyOne();
   */
  notifyOne(): void {
    this.#owner = touch(this.#owner);
    const w = this.#q.notifyOne();
    if (w === null) this.#permit = true;
    else w.tag = BY_ONE;
  }

  /**
   * Wakes the most recent waiting `notified()` (Tokio's `notify_last`), or
   * stores one permit for the next, as `notifyOne` does. A waiter it picked
   * that is cancelled before its poll passes the notification to the newest
   * waiter left (or stores it).
   *
   * @example
   * const n = new Notify();
   * n.notifyLast(); // nobody waits: stored for the next notified()
   * console.log(n.statistics().permit); // true
   */
  notifyLast(): void {
    this.#owner = touch(this.#owner);
    let w = this.#q.first;
    if (w === null) {
      this.#permit = true;
      return;
    }
    while (w.next !== null) w = w.next; // waiters are few; the queue keeps no public tail
    const waker = w.waker as Waker;
    this.#q.remove(w);
    w.state = NOTIFIED;
    w.tag = BY_LAST;
    waker.wake();
  }

  /**
   * Wakes every waiting `notified()` (and every one created before this call);
   * stores no permit.
   *
   * @example
   * shutdown.notifyAll();
   */
  notifyAll(): void {
    this.#owner = touch(this.#owner);
    this.#calls++;
    this.#q.notifyAll();
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): NotifyStatistics {
    return { waiting: this.#q.length, permit: this.#permit };
  }

  /** @internal */
  _poll(f: Notified, cx: Context, calls: number): undefined | Pending {
    this.#owner = touch(this.#owner);
    let w = f.waiter;
    if (w !== null) {
      if (w.state === NOTIFIED) {
        w.state = IDLE;
        return undefined;
      }
      if (w.state === WAITING) {
        this.#q.park(w, cx.waker);
        return PENDING;
      }
    }
    if (calls !== this.#calls) return undefined;
    if (this.#permit) {
      this.#permit = false;
      return undefined;
    }
    if (w === null) {
      w = new Waiter();
      f.waiter = w;
    }
    w.tag = null;
    this.#q.park(w, cx.waker);
    return PENDING;
  }

  /** @internal */
  _cancel(f: Notified): void {
    const w = f.waiter;
    if (w === null) return;
    if (w.state === WAITING) {
      this.#q.remove(w);
    } else if (w.state === NOTIFIED) {
      w.state = IDLE;
      if (w.tag === BY_ONE) this.notifyOne();
      else if (w.tag === BY_LAST) this.notifyLast();
    }
  }

  /** @internal */
  _isLocalTo(rt: Runtime): boolean {
    return this.#owner === rt;
  }
}
