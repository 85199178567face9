/**
 * `FsOp`: a file-system operation (a Promise from `node:fs/promises`, run on
 * libuv's thread pool) as a leaf future, the file-system side of the reactor.
 *
 * The operation starts at the first poll with an `AbortSignal`; the value is
 * taken, and `take` runs (a file's cursor moves, say), only inside a poll, so
 * a cancelled operation changed nothing on our side. Cancelling aborts the
 * signal, which Node honours where it can (`readFile`, `writeFile`,
 * `appendFile`); elsewhere the operation finishes unobserved. If it produced a
 * resource (an opened file), `orphan` releases it: a cancelled `open` never
 * leaves a file handle open.
 *
 *   NEW ──poll──▶ RUNNING ──settled──▶ OK | FAILED ──poll──▶ (value taken)
 *                    └──cancel──▶ DROPPED (a late value goes to `orphan`)
 */

import { CancelledError } from "../core/errors.js";
import type { Context, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { IoFuture } from "../net/io-future.js";

const NEW = 0;
const RUNNING = 1;
const OK = 2;
const FAILED = 3;
const DROPPED = 4;

export class FsOp<T, R = T> extends IoFuture<R> {
  readonly #label: string;
  #start: ((signal: AbortSignal) => Promise<T>) | null;
  readonly #take: ((value: T) => R) | null;
  readonly #orphan: ((value: T) => void) | null;
  #state = NEW;
  #value: unknown = undefined;
  #waker: Waker | null = null;
  #controller: AbortController | null = null;

  constructor(
    label: string,
    start: (signal: AbortSignal) => Promise<T>,
    take: ((value: T) => R) | null = null,
    orphan: ((value: T) => void) | null = null,
  ) {
    super();
    this.#label = label;
    this.#start = start;
    this.#take = take;
    this.#orphan = orphan;
  }

  poll(cx: Context): R | Pending {
    switch (this.#state) {
      case OK: {
        this.settled();
        const v = this.#value as T;
        this.#value = undefined;
        return this.#take === null ? (v as unknown as R) : this.#take(v);
      }
      case FAILED:
        this.settled();
        throw this.#value;
      case NEW: {
        const start = this.#start as (signal: AbortSignal) => Promise<T>;
        this.#start = null;
        this.#state = RUNNING;
        this.#controller = new AbortController();
        let promise: Promise<T>;
        try {
          promise = start(this.#controller.signal);
        } catch (error) {
          this.#state = FAILED;
          throw error;
        }
        promise.then(
          (value) => this.#settle(OK, value),
          (error) => this.#settle(FAILED, error),
        );
      }
    }
    this.#waker = cx.waker;
    this.waiting();
    return PENDING;
  }

  #settle(state: number, value: unknown): void {
    if (this.#state === DROPPED) {
      if (state === OK) this.#orphan?.(value as T);
      return;
    }
    this.#state = state;
    this.#value = value;
    const w = this.#waker;
    this.#waker = null;
    w?.wake();
  }

  protected override dropped(): void {
    const was = this.#state;
    this.#state = DROPPED;
    this.#waker = null;
    if (was === RUNNING) {
      this.#controller?.abort(new CancelledError(undefined, `${this.#label} was cancelled`));
    } else if (was === OK) {
      this.#orphan?.(this.#value as T); // completed, never taken
    }
    this.#value = undefined;
  }

  override describe(): string {
    return this.#label;
  }
}
