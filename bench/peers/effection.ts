// Effection 4 counterparts for what it does not ship: a "yield now" and a mutex, each built on
// `action` the way the Effection docs build `sleep` and `suspend`.

import { action, type Operation } from "effection";

const noop = () => {};

/**
 * Effection has no yield-now operation. An action whose executor resolves at once settles inside
 * Effection's reducer: the routine is re-enqueued at the back of the reducer's run queue (a FIFO per
 * scope depth) rather than resumed in place, so every other ready task runs first — checked: three
 * tasks doing this interleave 00 10 20 01 11 21 ... exactly as with native `await null`. It never
 * goes through Node's event loop, like corio's `yieldNow()`. Actions are stateless (the executor
 * runs on every evaluation), so one operation value serves every yield.
 */
export const YIELD: Operation<void> = action<void>((resolve) => {
  resolve();
  return noop;
});

/**
 * A FIFO mutex on Effection primitives (Effection 4 has none): a waiter parks in an action whose
 * cleanup removes it if the waiting task is halted; `unlock()` hands the lock to the first waiter.
 * Simplified for the benchmark: a waiter halted after the hand-off but before it resumed would leak
 * the lock.
 */
export class EffectionMutex {
  #locked = false;
  /** Insertion-ordered, so the first entry is the longest waiter; delete is O(1) for cleanup. */
  readonly #waiters = new Set<() => void>();

  *lock(): Operation<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    const waiters = this.#waiters;
    yield* action<void>((resolve) => {
      const wake = () => resolve();
      waiters.add(wake);
      return () => waiters.delete(wake);
    });
  }

  unlock(): void {
    for (const next of this.#waiters) {
      this.#waiters.delete(next);
      next();
      return;
    }
    this.#locked = false;
  }
}
