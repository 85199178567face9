/**
 * `Event`: a flag tasks can wait for (asyncio's `Event`). `set()` wakes every
 * waiter; `clear()` lowers the flag for later waits. A waiter woken by `set()`
 * completes even if the flag was cleared again before it ran (as in asyncio).
 */

import type { Context, Future, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { IDLE, NOTIFIED, WAITING, type Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { WaitFuture, type WaitHost } from "./wait-future.js";

/** What `statistics()` reports for an Event. */
export interface EventStatistics {
  isSet: boolean;
  /** Tasks (or promises) waiting for the event. */
  waiting: number;
}

let nextId = 0;

/**
 * A flag that tasks wait for with `yield* event.wait()`.
 *
 * @example
 * const started = new Event();
 * spawn(function* () { yield* setup(); started.set(); });
 * yield* started.wait();
 */
export class Event implements WaitHost<void> {
  readonly #q = new WaitQueue();
  #set = false;
  #owner: Owner = initialOwner();
  /** @internal */
  readonly _id = ++nextId;

  /** True while the flag is set. */
  isSet(): boolean {
    return this.#set;
  }

  /**
   * Sets the flag and wakes every waiter. Setting a set event does nothing.
   *
   * @example
   * done.set();
   */
  set(): void {
    this.#owner = touch(this.#owner);
    if (this.#set) return;
    this.#set = true;
    this.#q.notifyAll();
  }

  /** Lowers the flag: later `wait()` calls wait for the next `set()`. */
  clear(): void {
    this.#owner = touch(this.#owner);
    this.#set = false;
  }

  /**
   * Waits until the flag is set (at once if it is).
   *
   * Cancellation: cancel-safe; nothing is consumed (every waiter of a `set()` completes).
   *
   * @example
   * yield* event.wait();
   */
  wait(): Future<void> {
    return trackCreation(new WaitFuture(this, "wait on event"));
  }

  /** `wait` for plain async code. */
  waitAsync(options?: AsyncOptions): Promise<void> {
    return toPromise(this.wait(), options?.signal);
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): EventStatistics {
    return { isSet: this.#set, waiting: this.#q.length };
  }

  /** @internal */
  _pollWait(w: Waiter, cx: Context): undefined | Pending {
    this.#owner = touch(this.#owner);
    if (w.state === NOTIFIED) {
      w.state = IDLE;
      return undefined;
    }
    if (w.state === IDLE && this.#set) return undefined;
    this.#q.park(w, cx.waker);
    return PENDING;
  }

  /** @internal */
  _cancelWait(w: Waiter): void {
    if (w.state === WAITING) this.#q.remove(w);
    else w.state = IDLE;
  }

  /** @internal */
  _isLocalTo(rt: Runtime): boolean {
    return this.#owner === rt;
  }
}
