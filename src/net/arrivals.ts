/**
 * `Arrivals`: what comes in whether or not a task is waiting for it (a
 * listener's connections, a UDP socket's datagrams), queued in order, and the
 * futures waiting to take it, in line.
 *
 * The model
 * ---------
 * Items wait in a FIFO; futures wait in the parking lot's fair queue
 * (core/parking-lot.ts). An arrival wakes the longest-waiting future, which
 * leaves the line (NOTIFIED); the item stays queued until a poll takes it, so
 * a cancelled wait took nothing. A notified future dropped before its poll
 * passes the wake-up on, so no item waits while a future sleeps. `wakeAll`
 * (the socket closed or failed) wakes every waiting future without a grant;
 * each finds out why at its next poll.
 *
 * Each future owns one `Waiter`, made the first time it has to wait.
 */
import { ChunkedFifo } from "../core/fifo.js";
import type { Waker } from "../core/future.js";
import { IDLE, NOTIFIED, Waiter, WaitQueue } from "../core/parking-lot.js";

export class Arrivals<T> {
  readonly #items = new ChunkedFifo<T>(16);
  readonly #waiters = new WaitQueue();

  /** Items queued and not taken yet. */
  get length(): number {
    return this.#items.length;
  }

  /** Queues `item` and wakes the longest-waiting future. */
  push(item: T): void {
    this.#items.push(item);
    this.#waiters.notifyOne();
  }

  /** The oldest queued item, or null. */
  take(): T | null {
    return this.#items.length === 0 ? null : (this.#items.shift() as T);
  }

  /** In a poll that found nothing: wait in line (a spurious poll keeps its place). Returns the waiter. */
  park(w: Waiter | null, waker: Waker): Waiter {
    const waiter = w ?? new Waiter();
    this.#waiters.park(waiter, waker);
    return waiter;
  }

  /** In a poll that completes: leave the line. */
  leave(w: Waiter | null): void {
    if (w !== null && !this.#waiters.remove(w)) w.state = IDLE;
  }

  /** A waiting future was dropped: leave the line, or pass on the wake-up it was given. */
  drop(w: Waiter | null): void {
    if (w === null || this.#waiters.remove(w)) return;
    if (w.state === NOTIFIED) {
      w.state = IDLE;
      if (this.#items.length > 0) this.#waiters.notifyOne();
    }
  }

  /** Wakes every waiting future without a grant (closed, failed). */
  wakeAll(): void {
    this.#waiters.wakeAll();
  }

  /** Drops every queued item. */
  clear(): void {
    this.#items.clear();
  }
}
