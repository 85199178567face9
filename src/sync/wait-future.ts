/**
 * The future of a plain wait on a primitive (`Event.wait`, `Barrier.wait`,
 * `Condition.wait`, `Queue.join`): it owns one parking-lot waiter, allocated
 * with it, and leaves the protocol to the primitive, whose `_pollWait` and
 * `_cancelWait` decide what a poll or a drop means. One class serves them all
 * rather than a near-copy per primitive.
 */
import type { Context, Pending } from "../core/future.js";
import { Waiter } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import { InlineFuture } from "./inline.js";

/** What a primitive offers the futures that wait on it. */
export interface WaitHost<T> {
  /** @internal Numbers the primitive in task listings. */
  readonly _id: number;
  /** @internal The poll of a wait through its waiter. */
  _pollWait(w: Waiter, cx: Context): T | Pending;
  /** @internal A wait was dropped: leave the line, or pass on what it was granted. */
  _cancelWait(w: Waiter): void;
  /** @internal See `isLocalWait` (deadlock detection). */
  _isLocalTo(rt: Runtime): boolean;
}

export class WaitFuture<T> extends InlineFuture<T> {
  readonly #host: WaitHost<T>;
  /** What a listing says before the primitive's id: "wait on event", "join on queue". */
  readonly #what: string;
  readonly #w = new Waiter();

  constructor(host: WaitHost<T>, what: string) {
    super();
    this.#host = host;
    this.#what = what;
  }

  poll(cx: Context): T | Pending {
    return this.#host._pollWait(this.#w, cx);
  }

  cancel(): void {
    this.#host._cancelWait(this.#w);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.#host._isLocalTo(rt);
  }

  override describe(): string {
    return `${this.#what}#${this.#host._id}`;
  }
}
