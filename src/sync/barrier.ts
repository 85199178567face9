/**
 * `Barrier(n)`: `n` tasks wait until all `n` have arrived, then all go on
 * (Tokio's `sync::Barrier`); it resets for the next round.
 *
 * An arrival is counted inside the poll of `wait()`; a waiter cancelled before
 * the barrier opened withdraws its arrival (the barrier still needs `n`). The
 * task whose arrival opens the barrier is the round's leader.
 */

import type { Context, Future, Pending } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { IDLE, NOTIFIED, WAITING, type Waiter, WaitQueue } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { initialOwner, type Owner, touch } from "../core/touch.js";
import { checkCount } from "./args.js";
import { type AsyncOptions, toPromise } from "./bridge.js";
import { WaitFuture, type WaitHost } from "./wait-future.js";

/** What `wait()` returns. */
export interface BarrierWaitResult {
  /** True for exactly one task per round: the one whose arrival opened the barrier. */
  isLeader: boolean;
}

/** What `statistics()` reports for a Barrier. */
export interface BarrierStatistics {
  /** How many tasks each round needs. */
  parties: number;
  /** How many have arrived in the current round. */
  arrived: number;
  /** Rounds completed. */
  generation: number;
  /** Tasks (or promises) waiting for the barrier to open. */
  waiting: number;
}

const LEADER: BarrierWaitResult = Object.freeze({ isLeader: true });
const FOLLOWER: BarrierWaitResult = Object.freeze({ isLeader: false });
let nextId = 0;

/**
 * A reusable meeting point for `parties` tasks.
 *
 * Throws: `RangeError` if `parties` is not an integer >= 1.
 *
 * @example
 * function* meet(ready: Barrier): Coroutine<void> {
 *   const { isLeader } = yield* ready.wait(); // returns once all three are here
 *   if (isLeader) console.log("all here");
 * }
 * const ready = new Barrier(3);
 * const tasks = [1, 2, 3].map(() => spawn(meet(ready))); // a task each, from one function
 * for (const task of tasks) yield* task;
 */
export class Barrier implements WaitHost<BarrierWaitResult> {
  readonly #q = new WaitQueue();
  readonly #parties: number;
  #arrived = 0;
  #generation = 0;
  #owner: Owner = initialOwner();
  /** @internal */
  readonly _id = ++nextId;

  constructor(parties: number) {
    this.#parties = checkCount(parties, "new Barrier(parties)", 1);
  }

  /**
   * Arrives and waits until `parties` tasks have arrived in this round.
   *
   * Cancellation: cancel-safe; a wait cancelled before the barrier opened
   * withdraws its arrival. (Cancelled after it opened, the round is complete.)
   *
   * @example
   * const { isLeader } = yield* barrier.wait();
   * if (isLeader) console.log("everyone is here");
   */
  wait(): Future<BarrierWaitResult> {
    return trackCreation(new WaitFuture(this, "wait on barrier"));
  }

  /** `wait` for plain async code. */
  waitAsync(options?: AsyncOptions): Promise<BarrierWaitResult> {
    return toPromise(this.wait(), options?.signal);
  }

  /** A snapshot of its state (waiters, sizes), for listings and monitoring. */
  statistics(): BarrierStatistics {
    return {
      parties: this.#parties,
      arrived: this.#arrived,
      generation: this.#generation,
      waiting: this.#q.length,
    };
  }

  /** @internal */
  _pollWait(w: Waiter, cx: Context): BarrierWaitResult | Pending {
    this.#owner = touch(this.#owner);
    if (w.state === NOTIFIED) {
      w.state = IDLE;
      return FOLLOWER;
    }
    if (w.state === IDLE) {
      if (++this.#arrived === this.#parties) {
        this.#arrived = 0;
        this.#generation++;
        this.#q.notifyAll();
        return LEADER;
      }
    }
    this.#q.park(w, cx.waker);
    return PENDING;
  }

  /** @internal */
  _cancelWait(w: Waiter): void {
    if (w.state === WAITING) {
      this.#q.remove(w);
      this.#arrived--;
    } else {
      w.state = IDLE;
    }
  }

  /** @internal */
  _isLocalTo(rt: Runtime): boolean {
    return this.#owner === rt;
  }
}
