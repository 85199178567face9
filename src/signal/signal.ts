/**
 * `signal(name)`: Unix signal deliveries as a stream, as Tokio's
 * `signal::unix::signal` and Trio's `open_signal_receiver`.
 *
 * The model
 * ---------
 * Creating the stream installs a Node signal listener at once (so no delivery
 * after `signal()` returns is missed, and the signal's default action — exit
 * for SIGINT/SIGTERM — is replaced while the stream is open). Each delivery
 * adds one to `#pending`; a `recv` poll takes one. Receivers wait in
 * `#waiters`; a delivery wakes them all and the first to poll takes it (the
 * others find nothing and wait again). `close()` removes the listener
 * (restoring the default action if no one else listens) and ends the stream.
 *
 * Keep-alive: Node does not keep a process alive for a signal listener, so
 * while any task waits in `recv` a ref'd timer holds the event loop open — a
 * program that only waits for SIGTERM is waiting, not finished — unless the
 * stream was opened with `{ref: false}`.
 */

import type { Context, Future, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import {
  openingSite,
  type ResourceEntry,
  resourceClosed,
  resourceOpened,
} from "../core/resources.js";
import { IoFuture } from "../net/io-future.js";
import { asyncIterator } from "../sync/bridge.js";

let waiting = 0;
let keepAlive: ReturnType<typeof setInterval> | null = null;

function holdLoop(): void {
  if (waiting++ === 0) keepAlive = setInterval(() => {}, 2 ** 30);
}

function releaseLoop(): void {
  if (--waiting === 0 && keepAlive !== null) {
    clearInterval(keepAlive);
    keepAlive = null;
  }
}

class RecvSignal extends IoFuture<IteratorResult<NodeJS.Signals, undefined>> {
  readonly #stream: SignalStream;
  #waker: Waker | null = null;
  #holding = false;

  constructor(stream: SignalStream) {
    super();
    this.#stream = stream;
  }

  poll(cx: Context): IteratorResult<NodeJS.Signals, undefined> | Pending {
    const r = this.#stream._take();
    if (r !== null) {
      this.#leave();
      return r;
    }
    if (this.#waker !== cx.waker) {
      this.#stream._unpark(this.#waker);
      this.#waker = cx.waker;
      this.#stream._park(cx.waker);
    }
    if (!this.#holding && this.#stream.ref) {
      this.#holding = true;
      holdLoop();
    }
    this.waiting();
    return PENDING;
  }

  #leave(): void {
    this.#stream._unpark(this.#waker);
    this.#waker = null;
    if (this.#holding) {
      this.#holding = false;
      releaseLoop();
    }
    this.settled();
  }

  protected override dropped(): void {
    this.#leave();
  }

  override describe(): string {
    return `recv ${this.#stream.name}`;
  }
}

/** A stream of deliveries of one signal, from `signal(name)`. */
export class SignalStream implements Disposable, AsyncIterable<NodeJS.Signals> {
  /** The signal's name ("SIGINT", ...). */
  readonly name: NodeJS.Signals;
  /** Whether a waiting `recv` holds the process open (see `SignalOptions.ref`). */
  readonly ref: boolean;
  #pending = 0;
  #closed = false;
  #waiters: Waker[] = [];
  /** Its entry in the runtime's open-resource registry (leak checks), or null. */
  readonly #leak: ResourceEntry | null;
  readonly #listener = (): void => {
    this.#pending++;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.wake();
  };

  /** @internal Use `signal()`. */
  constructor(name: NodeJS.Signals, ref: boolean) {
    this.name = name;
    this.ref = ref;
    process.on(name, this.#listener);
    this.#leak = resourceOpened("signal stream", () => `signal(${name})`, openingSite());
  }

  /**
   * Waits for the next delivery: `{done: false, value: name}`, or
   * `{done: true}` once the stream is closed. Deliveries that arrived while
   * nobody was receiving are kept (one per delivery) and returned first.
   *
   * Cancellation: safe; a cancelled `recv` took no delivery.
   *
   * @example
   * using hup = signal("SIGHUP");
   * for (let r = yield* hup.recv(); !r.done; r = yield* hup.recv()) yield* reloadConfig();
   */
  recv(): Future<IteratorResult<NodeJS.Signals, undefined>> {
    return trackCreation(new RecvSignal(this));
  }

  /** Deliveries received and not taken yet. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Stops listening: the signal's default action comes back (unless something
   * else listens), waiting `recv`s get `{done: true}`. Idempotent.
   *
   * @example
   * stream.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    resourceClosed(this.#leak);
    process.off(this.name, this.#listener);
    this.#pending = 0;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.wake();
  }

  /** `using` support: closes the stream when the block ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** For plain async code: `for await (const name of signal("SIGHUP"))`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<NodeJS.Signals> {
    return asyncIterator(() => this.recv());
  }

  /** @internal */
  _take(): IteratorResult<NodeJS.Signals, undefined> | null {
    if (this.#pending > 0) {
      this.#pending--;
      return { done: false, value: this.name };
    }
    return this.#closed ? { done: true, value: undefined } : null;
  }

  /** @internal */
  _park(waker: Waker): void {
    this.#waiters.push(waker);
  }

  /** @internal */
  _unpark(waker: Waker | null): void {
    if (waker === null) return;
    const i = this.#waiters.indexOf(waker);
    if (i >= 0) this.#waiters.splice(i, 1);
  }
}

/** Options of `signal()`. */
export interface SignalOptions {
  /**
   * Whether a task waiting in `recv` keeps the process alive. With `false`
   * the process may exit (and a runtime may report a deadlock) while the
   * stream is waited on, as with an unref'd Node handle: for a watcher that
   * should not itself keep a program running (`main` opens its SIGINT and
   * SIGTERM streams this way). @default true
   */
  ref?: boolean;
}

/**
 * Starts receiving `name` (SIGINT, SIGTERM, SIGHUP, SIGUSR1, ...) and
 * returns the stream of its deliveries. While the stream is open the signal's
 * default action (exiting, for SIGINT and SIGTERM) does not happen; close the
 * stream (or use `using`) to restore it.
 *
 * Throws: TypeError for a name that is not a signal Node can listen for, or
 * an `options.ref` that is not a boolean.
 *
 * @example
 * using term = signal("SIGTERM");
 * yield* term.recv(); // wait for the supervisor to ask us to stop
 */
export function signal(name: NodeJS.Signals, options: SignalOptions = {}): SignalStream {
  if (typeof name !== "string" || !/^SIG[A-Z0-9]+$/.test(name)) {
    throw new TypeError(
      `signal(name): expected a signal name such as "SIGINT", got ${String(name)}`,
    );
  }
  if (name === "SIGKILL" || name === "SIGSTOP") {
    throw new TypeError(`signal(name): ${name} cannot be caught`);
  }
  const ref = options.ref ?? true;
  if (typeof ref !== "boolean") {
    throw new TypeError(`signal(name, options): options.ref must be a boolean, got ${String(ref)}`);
  }
  return new SignalStream(name, ref);
}
