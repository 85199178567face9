/**
 * A future over a Node callback API: the HTTP layer's one bridge to events
 * (`listening`, `drain`, a body's `data`/`end`, a server's `close`).
 *
 * `start(settle)` runs at the first poll: it subscribes and returns the
 * function that unsubscribes, which runs exactly once, when the wait settles
 * or is dropped. While the wait is pending it counts as outside work
 * (`_externalStart`/`_externalEnd`), as `call()` does: no deadlock is reported
 * and a virtual clock does not jump, because the world outside may still act.
 */
import { cur } from "../core/current.js";
import type { Context, Future, Pending, Waker } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import type { Runtime } from "../core/runtime.js";

/** How a Node callback reports the outcome: an error, or the value. */
export type Settle<T> = (error: unknown, value?: T) => void;

const NEW = 0;
const WAITING = 1;
const OK = 2;
const FAILED = 3;
const DROPPED = 4;

class OutsideWait<T> extends FutureBase<T> {
  #start: ((settle: Settle<T>) => () => void) | null;
  readonly #label: string;
  #state = NEW;
  #value: unknown = undefined;
  #waker: Waker | null = null;
  #rt: Runtime | null = null;
  #stop: (() => void) | null = null;

  constructor(label: string, start: (settle: Settle<T>) => () => void) {
    super();
    this.#label = label;
    this.#start = start;
  }

  poll(cx: Context): T | Pending {
    switch (this.#state) {
      case OK:
        return this.#value as T;
      case FAILED:
        throw this.#value;
      case NEW: {
        const start = this.#start as (settle: Settle<T>) => () => void;
        this.#start = null;
        this.#state = WAITING;
        this.#rt = cur.rt;
        this.#rt?._externalStart();
        const stop = start(this.#settle);
        // `start` may have settled at once (the event had already happened).
        if (this.#state !== WAITING) {
          stop();
          return this.poll(cx);
        }
        this.#stop = stop;
      }
    }
    this.#waker = cx.waker;
    return PENDING;
  }

  readonly #settle: Settle<T> = (error, value) => {
    if (this.#state !== WAITING) return;
    this.#state = error === undefined || error === null ? OK : FAILED;
    this.#value = this.#state === OK ? value : error;
    this.#end();
    const waker = this.#waker;
    this.#waker = null;
    waker?.wake();
  };

  #end(): void {
    this.#rt?._externalEnd();
    this.#rt = null;
    const stop = this.#stop;
    this.#stop = null;
    stop?.();
  }

  cancel(): void {
    if (this.#state === WAITING) this.#end();
    this.#state = DROPPED;
    this.#waker = null;
  }

  override describe(): string {
    return this.#label;
  }
}

/**
 * A future settled by a Node callback. `start(settle)` subscribes and returns
 * the unsubscribe function (run once, on settle or drop). Pass `undefined` or
 * `null` as the error to succeed.
 */
export function waitOutside<T>(label: string, start: (settle: Settle<T>) => () => void): Future<T> {
  return new OutsideWait<T>(label, start);
}
