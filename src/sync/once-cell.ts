/**
 * `OnceCell<T>`: a value initialised once, by the first caller of
 * `getOrInit` (Tokio's `sync::OnceCell`). Concurrent callers wait for that one
 * initialisation rather than starting their own; if it fails or is cancelled,
 * the cell stays empty and the next waiting (or later) caller runs its own
 * initialiser. Built on `Notify`: every change of state (set, or an attempt
 * that ended without a value) wakes all waiters, which look again.
 */

import { type Body, toCoroutine } from "../core/body.js";
import type { Coroutine } from "../core/future.js";
import { Notify } from "./notify.js";

/**
 * A cell written once, by the first successful `getOrInit` initialiser.
 *
 * @example
 * const config = new OnceCell<string>();
 * const a = yield* config.getOrInit(function* () { return "loaded"; });
 * const b = yield* config.getOrInit(function* () { return "never runs"; });
 * console.log(a, b); // loaded loaded
 */
export class OnceCell<T> {
  #value: T | undefined = undefined;
  #initialized = false;
  /** True while some caller runs its initialiser. */
  #running = false;
  readonly #changed = new Notify();

  /** True once a value is set. */
  get initialized(): boolean {
    return this.#initialized;
  }

  /** The value, or `undefined` while not initialised. */
  get(): T | undefined {
    return this.#value;
  }

  /**
   * The value; if the cell is empty and nobody is initialising it, runs `body`
   * and stores what it returns. Callers arriving during an initialisation wait
   * for it and then return its value; if it throws or is cancelled, the
   * error goes to its own caller only and one of the waiting callers runs its
   * own `body` next.
   *
   * Cancellation: cancel-safe. A cancelled waiter lost nothing (the cell is
   * unchanged and the other waiters keep waiting); a cancelled initialiser
   * leaves the cell empty and lets the next caller try.
   * Throws: whatever `body` throws (to the caller whose `body` it was).
   *
   * @example
   * const cell = new OnceCell<number>();
   * const first = spawn(() => cell.getOrInit(function* () { yield* sleep(10); return 1; }));
   * const second = yield* cell.getOrInit(function* () { return 2; }); // waits for the first
   * console.log(second, yield* first); // 1 1
   */
  *getOrInit(body: Body<T>): Coroutine<T> {
    for (;;) {
      if (this.#initialized) return this.#value as T;
      if (!this.#running) break;
      yield* this.#changed.notified();
    }
    this.#running = true;
    try {
      const value = yield* toCoroutine(body, "OnceCell.getOrInit(body)");
      this.#value = value;
      this.#initialized = true;
      return value;
    } finally {
      this.#running = false;
      this.#changed.notifyAll();
    }
  }

  /**
   * Sets the value if the cell is empty and nobody is initialising it.
   * Returns false (and changes nothing) otherwise.
   *
   * @example
   * const cell = new OnceCell<number>();
   * console.log(cell.trySet(1), cell.trySet(2), cell.get()); // true false 1
   */
  trySet(value: T): boolean {
    if (this.#initialized || this.#running) return false;
    this.#value = value;
    this.#initialized = true;
    this.#changed.notifyAll();
    return true;
  }
}
