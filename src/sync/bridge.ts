/**
 * The reverse of `call()`: drives one future from plain async code (outside any
 * task) and settles a Promise with its outcome. This is how `sendAsync`,
 * `recvAsync`, `putAsync`, `getAsync` and the `for await` iterators of
 * receivers and queues work.
 *
 * The driver is its own waker. A wake never polls synchronously (it may come
 * from inside another future's poll, in the middle of a primitive's update):
 * it queues one microtask that polls. Polls run with no current task, so the
 * primitive records plain code as a user (no deadlock is ever reported on it).
 */
import type { Context, Future, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";

class PromiseDriver<T> implements Waker, Context {
  readonly #future: Future<T>;
  readonly #resolve: (value: T) => void;
  readonly #reject: (error: unknown) => void;
  readonly #signal: AbortSignal | undefined;
  #queued = false;
  #settled = false;

  constructor(
    future: Future<T>,
    resolve: (value: T) => void,
    reject: (error: unknown) => void,
    signal: AbortSignal | undefined,
  ) {
    this.#future = future;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
  }

  get waker(): Waker {
    return this;
  }

  wake(): void {
    if (this.#queued || this.#settled) return;
    this.#queued = true;
    queueMicrotask(this.#run);
  }

  readonly #run = (): void => {
    this.#queued = false;
    this.poll();
  };

  poll(): void {
    if (this.#settled) return;
    let value: T | typeof PENDING;
    try {
      value = this.#future.poll(this);
    } catch (error) {
      this.#settle();
      this.#reject(error);
      return;
    }
    if (value === PENDING) return;
    this.#settle();
    this.#resolve(value);
  }

  /** The signal aborted while waiting: drop the future (it did nothing) and reject. */
  readonly abort = (): void => {
    if (this.#settled) return;
    this.#settle();
    this.#future.cancel?.();
    this.#reject((this.#signal as AbortSignal).reason);
  };

  #settle(): void {
    this.#settled = true;
    this.#signal?.removeEventListener("abort", this.abort);
  }
}

/**
 * Drives `future` from plain async code. Aborting `signal` drops the future
 * (as cancelling a task would) and rejects with the signal's reason.
 */
export function toPromise<T>(future: Future<T>, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      future.cancel?.();
      reject(signal.reason);
      return;
    }
    const driver = new PromiseDriver(future, resolve, reject, signal);
    signal?.addEventListener("abort", driver.abort, { once: true });
    driver.poll();
  });
}

/** Options for the `…Async` methods that plain async code uses. */
export interface AsyncOptions {
  /** Aborting it gives up the wait; nothing was sent or taken. */
  signal?: AbortSignal;
}

/**
 * An async iterator over `next()` futures that produce `IteratorResult`s:
 * what `for await (const v of rx)` uses. Leaving the loop early does not
 * close anything.
 */
export function asyncIterator<T>(next: () => Future<IteratorResult<T>>): AsyncIterableIterator<T> {
  let finished = false;
  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return toPromise(next()).then((r) => {
        if (r.done) finished = true;
        return r;
      });
    },
    return(): Promise<IteratorResult<T>> {
      finished = true;
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
