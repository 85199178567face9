/**
 * Inline completion: a sync primitive's future that is ready when `yield*`
 * reaches it completes right there, without suspending the coroutine.
 *
 * Why: the executor already polls a yielded future at once and resumes the
 * coroutine without a trip through the ready queue, but the trip through the
 * generator machinery remains: a `yield*` that suspends and is resumed costs
 * ~690 machine instructions in V8 (Node 20) before the executor does anything
 * (measured with valgrind: a bare generator driving a self-iterating future),
 * and ~940 through corio's executor. A channel message costs two of them (the
 * send and the receive), which alone is more than the 120 ns per message the
 * channel must reach. Polling inside the future's `next()` instead turns a
 * ready `yield* tx.send(v)` into a plain method call.
 *
 * What is kept, so that nothing observable changes:
 * - Values change hands only inside `poll()`: the inline path *is* a poll, by
 *   the running task (the task is its own context), with `cur` set as usual.
 * - Cancellation takes effect at every `yield*`, even a ready one: if the
 *   running task has a cancel requested, the future goes through the executor,
 *   which acts on it before polling.
 * - Cooperation: a task may complete at most `INLINE_BUDGET` operations inline
 *   in a row (as Tokio's coop budget); the next one sends it to the back of the
 *   ready queue (the executor's `yieldNow` instruction) and is polled when the
 *   task runs again.
 * - A future that is not ready is handed to the executor as usual, which polls
 *   it and parks the task (`mayBeReady()` lets a future skip the inline poll
 *   when it can tell cheaply that it would only register its waker).
 * Outside any task (a plain driver of the generator) nothing changes.
 *
 * The kernel could offer this to every leaf future (with its own step budget);
 * until it does, it lives here, built on the hand-off protocol of `FutureBase`.
 */
import { cur } from "../core/current.js";
import type { Context, Suspend } from "../core/future.js";
import * as future from "../core/future.js";
import { FutureBase } from "../core/future.js";
import { BUDGET } from "../core/task.js";

// Local copies of the kernel's sentinels (future.ts says why). The stores into
// `handoff`/`YIELDED` gain too: their map checks fold away once the object is a constant.
const RESUME: typeof future.RESUME = future.RESUME;
const REPOLL: typeof future.REPOLL = future.REPOLL;
const repoll = future.repoll;
const PENDING: typeof future.PENDING = future.PENDING;
const YIELDED = future.YIELDED;
const YIELD_NOW = future.YIELD_NOW;
const handoff = future.handoff;

/** Inline completions a task may make in a row before it must let others run: the executor's coop budget. */
const INLINE_BUDGET = BUDGET;

/** Whose budget is being spent, and what is left of it. */
const budget: { task: unknown; left: number } = { task: null, left: INLINE_BUDGET };

// The completion result is a fresh `{ done: true, value }`, not one shared
// object whose `value` is overwritten (as FutureBase does): the value is often
// a young object (a receive's result), and storing it into a long-lived shared
// object costs a write-barrier call (V8's RecordWrite, ~6% of a ping-pong
// profile), more than allocating the result, which dies at once.

export abstract class InlineFuture<T> extends FutureBase<T> {
  /** True while the task is at the back of the queue for this future (budget spent). */
  #requeued = false;

  override next(token?: unknown): IteratorResult<Suspend, T> {
    // Woken while parked on us: poll here (FutureBase's wake-up protocol); not
    // charged to the inline budget, as the executor's poll was not.
    if (token === REPOLL) return repoll(this);
    if (token === RESUME) {
      if (!this.#requeued) {
        // The executor polled us and has the value (FutureBase's hand-off, inlined).
        const value = handoff.value as T;
        handoff.value = undefined;
        return { done: true, value };
      }
      // Back from the requeue: let the executor poll us now.
      this.#requeued = false;
      YIELDED.value = this;
      return YIELDED as IteratorYieldResult<Suspend>;
    }
    const task = cur.task;
    if (task === null || task._cancelRequested || !this.mayBeReady()) return super.next(token);
    if (budget.task !== task) {
      budget.task = task;
      budget.left = INLINE_BUDGET;
    }
    if (budget.left === 0) {
      budget.left = INLINE_BUDGET;
      this.#requeued = true;
      YIELDED.value = YIELD_NOW;
      return YIELDED as IteratorYieldResult<Suspend>;
    }
    budget.left--;
    const value = this.poll(task as unknown as Context);
    if (value === PENDING) {
      YIELDED.value = this;
      return YIELDED as IteratorYieldResult<Suspend>;
    }
    return { done: true, value };
  }

  /**
   * The task was cancelled while at the back of the queue for this future (the
   * executor does not know of it then): drop it as the executor would have.
   * Otherwise the generator's `return()` passes through unchanged.
   */
  return(value?: unknown): IteratorResult<Suspend, T> {
    if (this.#requeued) {
      this.#requeued = false;
      this.cancel();
    }
    return { done: true, value: value as T };
  }

  /**
   * A cheap guess whether a poll now would complete. When it says no, the
   * future goes straight to the executor (which polls it once and parks the
   * task), saving the inline poll that would only have registered the waker.
   * A wrong guess costs a poll, never correctness.
   */
  protected mayBeReady(): boolean {
    return true;
  }

  /** Every inline future can be dropped (Rust's drop; see `Future.cancel`). */
  abstract cancel(): void;
}
