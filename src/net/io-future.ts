/**
 * The base of every I/O future in `corio/net`, `corio/fs`, `corio/process`
 * and `corio/signal`: a leaf future that waits on something outside the
 * runtime (a socket, a file, a child, a signal).
 *
 * While it waits, it counts as outside work on the runtime that polled it
 * (`rt._externalStart()` at the first pending poll, `rt._externalEnd()` exactly
 * once when it completes or is cancelled): no deadlock is reported and a
 * virtual clock does not jump while real I/O is pending (docs/internals.md,
 * "Outside work"). A future over an in-memory transport passes
 * `external = false` and is not counted; it is instead *local* to the
 * runtime (`isLocalTo`): only that runtime's tasks can complete it, so tasks
 * that all wait on such futures are a deadlock the runtime reports (a
 * simulation waiting on a partition that nobody repairs).
 *
 * Invariant: `#rt` is non-null exactly while this future is counted; `#local`
 * exactly while it waits on an in-memory transport.
 */
import { cur } from "../core/current.js";
import { type Context, PENDING, type Pending } from "../core/future.js";
import type { Runtime } from "../core/runtime.js";
import { InlineFuture } from "../sync/inline.js";

/**
 * An I/O future may complete inline (src/sync/inline.ts): a `yield*` that
 * finds it ready completes without suspending the coroutine. Only futures
 * that say so (`mayBeReady`) try: a stream write with room in the send queue,
 * a read with bytes buffered. The rest go to the executor as before.
 */
export abstract class IoFuture<T> extends InlineFuture<T> {
  #rt: Runtime | null = null;
  #local: Runtime | null = null;

  /** Called from `poll` before returning PENDING: start counting as outside work. */
  protected waiting(external = true): void {
    if (!external) this.#local = cur.rt;
    if (this.#rt === null && external) {
      const rt = cur.rt;
      if (rt !== null) {
        this.#rt = rt;
        rt._externalStart();
      }
    }
  }

  /** Called when the future completes (from `poll`) or is dropped: stop counting. */
  protected settled(): void {
    this.#local = null;
    const rt = this.#rt;
    if (rt !== null) {
      this.#rt = null;
      rt._externalEnd();
    }
  }

  /** @internal Waiting on an in-memory transport of `rt`: only its tasks can end the wait. */
  isLocalTo(rt: Runtime): boolean {
    return this.#local === rt;
  }

  /** Drop: stop counting, then release what the subclass holds. */
  cancel(): void {
    this.settled();
    this.dropped();
  }

  /** Release what the future holds (unregister wakers, abort, close). */
  protected dropped(): void {}

  /** By default an I/O future is polled by the executor only (see the class comment). */
  protected override mayBeReady(): boolean {
    return false;
  }
}

/**
 * An I/O future whose poll is one call into the object that holds the state
 * (a stream's `StreamCore`, say): it counts that call's outcome, so subclasses
 * only say which call. PENDING starts counting; a value stops it; so does a
 * throw, because a poll that throws has completed (it is never cancelled).
 */
export abstract class CountedIoFuture<T> extends IoFuture<T> {
  /** The one call: the value, PENDING (after storing `cx.waker`), or a throw. */
  protected abstract pollOnce(cx: Context): T | Pending;
  /** False over an in-memory transport: not outside work (see the module comment). */
  protected abstract get external(): boolean;

  poll(cx: Context): T | Pending {
    let v: T | Pending;
    try {
      v = this.pollOnce(cx);
    } catch (error) {
      this.settled();
      throw error;
    }
    if (v === PENDING) this.waiting(this.external);
    else this.settled();
    return v;
  }
}
