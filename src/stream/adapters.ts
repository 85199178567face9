/**
 * Adapters from Node's event and async-iteration worlds into `Stream`s:
 * `on(target, event)` and `once(target, event)` for an `EventTarget` or an
 * `EventEmitter`, and `fromAsyncIterable(iterable)` (Node `Readable` streams
 * included).
 *
 * The model
 * ---------
 * Each adapter's state lives in its stream (a buffer of events, or the one
 * `next()` promise in flight); a `recv` future only looks at it and parks its
 * waker there. So a cancelled `recv` took nothing — the event or the
 * iterator's result stays for the next `recv` — and closing the stream is the
 * one place the listener is removed or `return()` called.
 *
 * Outside work (docs/internals.md): a `fromAsyncIterable` recv waits on a
 * promise, so it counts as outside work while it waits, as `call()` does. An
 * `on`/`once` wait does not: the event may as well come from one of the
 * runtime's own tasks, so counting it would stop a virtual clock from
 * jumping to the sleep of the task that emits. It is not *local* either, so
 * tasks waiting only for events are never reported as a deadlock.
 */
import type { Context, Future, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { instrumentation, trackCreation } from "../core/instrument.js";
import { IoFuture } from "../net/io-future.js";
import { describeValue, type Stream } from "./stream.js";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

interface Emitter {
  on(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
  off?(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

interface Target {
  addEventListener(event: string, listener: (e: unknown) => void, options?: unknown): void;
  removeEventListener(event: string, listener: (e: unknown) => void, options?: unknown): void;
}

/** What `on`/`once` need of an `EventTarget` (a DOM-style target: `AbortSignal`, `EventTarget`, a `WebSocket`). */
export interface EventTargetLike {
  /** Installs a listener. */
  addEventListener(event: string, listener: never): void;
  /** Removes a listener installed by `addEventListener`. */
  removeEventListener(event: string, listener: never): void;
}

/** What `on`/`once` need of a Node `EventEmitter` (a stream, a socket, a child process). */
export interface EventEmitterLike {
  /** Installs a listener. */
  on(event: string | symbol, listener: never): unknown;
  /** Removes a listener installed by `on`. */
  removeListener(event: string | symbol, listener: never): unknown;
}

/** The sources `on`/`once` accept: an `EventTarget` or an `EventEmitter`. */
export type EventSource = EventTargetLike | EventEmitterLike;

/** Which kind of event source `target` is; throws a TypeError naming it if neither. */
function kindOf(target: unknown, event: string | symbol, where: string): "target" | "emitter" {
  const t = target as Partial<Target & Emitter> | null;
  if (t !== null && typeof t === "object") {
    if (typeof t.addEventListener === "function" && typeof t.removeEventListener === "function") {
      if (typeof event !== "string") {
        throw new TypeError(
          `${where}: an EventTarget's event must be a string, got ${String(event)}`,
        );
      }
      return "target";
    }
    if (typeof t.on === "function" && typeof t.removeListener === "function") return "emitter";
  }
  throw new TypeError(
    `${where}: expected an EventTarget or an EventEmitter, got ${describeValue(target)}`,
  );
}

/** Installs `listener` on `target` for `event`; returns how to remove it. */
function listen(
  target: unknown,
  event: string | symbol,
  listener: (value: unknown) => void,
  where: string,
): () => void {
  if (kindOf(target, event, where) === "target") {
    const t = target as Target;
    const type = event as string;
    t.addEventListener(type, listener);
    return () => t.removeEventListener(type, listener);
  }
  const emitter = target as Emitter;
  const onFirst = (first: unknown): void => listener(first); // the first argument only
  emitter.on(event, onFirst);
  return () => emitter.removeListener(event, onFirst);
}

/** The waiting `recv`s of one stream: wake them all on news; the first to poll takes it. */
class Parked {
  #wakers: Waker[] = [];
  park(old: Waker | null, w: Waker): void {
    if (old !== null) this.unpark(old);
    this.#wakers.push(w);
  }
  unpark(w: Waker | null): void {
    if (w === null) return;
    const i = this.#wakers.indexOf(w);
    if (i >= 0) this.#wakers.splice(i, 1);
  }
  wakeAll(): void {
    const ws = this.#wakers;
    if (ws.length === 0) return;
    this.#wakers = [];
    for (const w of ws) w.wake();
  }
}

/** A `recv` of a stream whose state is held by the stream: `take` or park. */
class StreamRecv<T> extends IoFuture<IteratorResult<T, undefined>> {
  readonly #take: () => IteratorResult<T, undefined> | null;
  readonly #parked: Parked;
  readonly #what: string;
  readonly #external: boolean;
  #waker: Waker | null = null;
  constructor(
    take: () => IteratorResult<T, undefined> | null,
    parked: Parked,
    what: string,
    external: boolean,
  ) {
    super();
    this.#take = take;
    this.#parked = parked;
    this.#what = what;
    this.#external = external;
  }
  poll(cx: Context): IteratorResult<T, undefined> | Pending {
    let r: IteratorResult<T, undefined> | null;
    try {
      r = this.#take();
    } catch (error) {
      this.#leave();
      throw error;
    }
    if (r !== null) {
      this.#leave();
      return r;
    }
    if (this.#waker !== cx.waker) {
      this.#parked.park(this.#waker, cx.waker);
      this.#waker = cx.waker;
    }
    if (this.#external) this.waiting();
    return PENDING;
  }
  #leave(): void {
    this.#parked.unpark(this.#waker);
    this.#waker = null;
    this.claimed = false;
    this.settled();
  }
  protected override dropped(): void {
    this.#parked.unpark(this.#waker);
    this.#waker = null;
    this.claimed = false;
  }
  /** Handed out by `recv()` and not yet completed or cancelled (see `EventStream.recv`). */
  claimed = false;
  override describe(): string {
    return `recv ${this.#what}`;
  }
}

/** A stream of the events one listener receives; from `on(target, event)`. */
export class EventStream<T = unknown> implements Stream<T>, Disposable {
  readonly #buffer: T[] = [];
  #head = 0;
  readonly #parked = new Parked();
  #remove: (() => void) | null;
  readonly #what: string;

  /** @internal Use `on(target, event)`. */
  constructor(target: unknown, event: string | symbol) {
    this.#what = `on ${String(event)}`;
    this.#remove = listen(
      target,
      event,
      (value) => {
        this.#buffer.push(value as T);
        this.#parked.wakeAll();
      },
      "on(target, event)",
    );
  }

  /** How many events arrived and are not yet received. */
  get buffered(): number {
    return this.#buffer.length - this.#head;
  }

  /**
   * The next event (in arrival order; events are buffered from `on()` on, so
   * none is missed), or `{done: true}` once the stream is closed.
   *
   * Cancellation: safe; a cancelled `recv` took no event.
   */
  recv(): Future<IteratorResult<T, undefined>> {
    // One cached future, claimed until it completes or is cancelled, as a channel receiver's.
    let f = this.#spare;
    if (f === null || f.claimed || instrumentation.track !== null) {
      f = trackCreation(new StreamRecv(this.#take, this.#parked, this.#what, false));
      if (this.#spare === null) this.#spare = f;
    }
    f.claimed = true;
    return f;
  }

  #spare: StreamRecv<T> | null = null;

  readonly #take = (): IteratorResult<T, undefined> | null => {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head++];
      if (this.#head === this.#buffer.length) {
        this.#buffer.length = 0;
        this.#head = 0;
      }
      return { done: false, value };
    }
    return this.#remove === null ? DONE : null;
  };

  /** Removes the listener and ends the stream (buffered events are dropped). Idempotent. */
  close(): void {
    const remove = this.#remove;
    if (remove === null) return;
    this.#remove = null;
    this.#buffer.length = 0;
    this.#head = 0;
    remove();
    this.#parked.wakeAll();
  }

  /** `using` support: closes the stream at the end of the block, as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A stream of the `event`s of `target`: from an `EventTarget`, each event
 * object; from an `EventEmitter`, each emission's first argument. The
 * listener is installed now and removed by `close()` (`forEach` closes what
 * it iterates), so nothing leaks. Events are buffered until received.
 *
 * Throws: TypeError if `target` is neither an EventTarget nor an EventEmitter.
 *
 * @example
 * const target = new EventTarget();
 * spawn(function* () {
 *   target.dispatchEvent(new CustomEvent("tick"));
 *   target.dispatchEvent(new CustomEvent("tick"));
 * });
 * yield* forEach(take(on<CustomEvent>(target, "tick"), 2), function* (event) {
 *   console.log(event.type); // the listener is removed after the second
 * });
 */
export function on<T = unknown>(target: EventSource, event: string | symbol): EventStream<T> {
  return new EventStream<T>(target, event);
}

class OnceFuture<T> extends IoFuture<T> {
  readonly #target: unknown;
  readonly #event: string | symbol;
  #remove: (() => void) | null = null;
  #got = false;
  #value: T | undefined;
  #waker: Waker | null = null;
  constructor(target: unknown, event: string | symbol) {
    super();
    this.#target = target;
    this.#event = event;
    kindOf(target, event, "once(target, event)"); // bad input fails at the call, not at the first poll
  }
  poll(cx: Context): T | Pending {
    if (this.#got) {
      this.settled();
      return this.#value as T;
    }
    if (this.#remove === null) {
      this.#remove = listen(
        this.#target,
        this.#event,
        (value) => {
          if (this.#got) return;
          this.#got = true;
          this.#value = value as T;
          this.#unlisten();
          const w = this.#waker;
          this.#waker = null;
          w?.wake();
        },
        "once(target, event)",
      );
    }
    this.#waker = cx.waker; // not outside work: see the module comment
    return PENDING;
  }
  #unlisten(): void {
    const r = this.#remove;
    this.#remove = null;
    r?.();
  }
  protected override dropped(): void {
    this.#waker = null;
    this.#unlisten();
  }
  override describe(): string {
    return `once ${String(this.#event)}`;
  }
}

/**
 * The next `event` of `target` (the event object of an `EventTarget`, the
 * first argument of an `EventEmitter`'s emission). Lazy, as every future: the
 * listener is installed at its first poll and removed when the event arrives.
 *
 * Cancellation: the listener is removed; nothing else happens.
 * Throws: TypeError if `target` is neither an EventTarget nor an EventEmitter.
 *
 * @example
 * const controller = new AbortController();
 * spawn(function* () {
 *   yield* sleep(100);
 *   controller.abort();
 * });
 * yield* once(controller.signal, "abort"); // waits 100 ms
 */
export function once<T = unknown>(target: EventSource, event: string | symbol): Future<T> {
  return trackCreation(new OnceFuture<T>(target, event));
}

/** A stream over an async iterator; from `fromAsyncIterable(iterable)`. */
export class AsyncIterableStream<T> implements Stream<T>, Disposable {
  readonly #it: AsyncIterator<T>;
  /** The one `next()` in flight: at most one, so a source is read only as fast as it is consumed. */
  #inFlight: boolean = false;
  #result: IteratorResult<T, undefined> | null = null;
  #error: { error: unknown } | null = null;
  #closed = false;
  readonly #parked = new Parked();

  /** @internal Use `fromAsyncIterable`. */
  constructor(it: AsyncIterator<T>) {
    this.#it = it;
  }

  /**
   * The iterator's next value, or `{done: true}` when it is done or the stream
   * closed. `next()` is called only when a `recv` asks and none is in flight.
   *
   * Cancellation: safe; a cancelled `recv` leaves its `next()` running, and its
   * result goes to the next `recv`.
   * Throws: what the iterator's `next()` rejects with.
   */
  recv(): Future<IteratorResult<T, undefined>> {
    return trackCreation(new StreamRecv(this.#take, this.#parked, "async iterable", true));
  }

  readonly #take = (): IteratorResult<T, undefined> | null => {
    if (this.#closed) return DONE;
    if (this.#error !== null) {
      const { error } = this.#error;
      this.#error = null;
      throw error;
    }
    if (this.#result !== null) {
      const r = this.#result;
      this.#result = null;
      if (r.done) this.#closed = true;
      return r.done ? DONE : r;
    }
    if (!this.#inFlight) {
      this.#inFlight = true;
      let p: Promise<IteratorResult<T>>;
      try {
        p = Promise.resolve(this.#it.next());
      } catch (error) {
        this.#inFlight = false;
        throw error;
      }
      p.then(
        (r) => {
          this.#inFlight = false;
          if (this.#closed) return;
          this.#result = r.done ? DONE : { done: false, value: r.value };
          this.#parked.wakeAll();
        },
        (error: unknown) => {
          this.#inFlight = false;
          if (this.#closed) return;
          this.#error = { error };
          this.#parked.wakeAll();
        },
      );
    }
    return null;
  };

  /** Calls the iterator's `return()` (a Node stream is destroyed) and ends the stream. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#result = null;
    this.#parked.wakeAll();
    const it = this.#it;
    if (typeof it.return === "function") {
      Promise.resolve()
        .then(() => it.return?.())
        .catch(() => {}); // an error while returning has no one to go to
    }
  }

  /** `using` support: closes the stream at the end of the block, as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A stream over any async iterable — an async generator, a Node `Readable`
 * (its chunks), `fs.promises` handles' `readLines()`. One `next()` is in flight
 * at most, so a `Readable` is read no faster than the stream is received
 * from (its own buffer, `highWaterMark`, is the only read-ahead). `close()`
 * calls the iterator's `return()`, which destroys a `Readable`.
 *
 * Throws: TypeError if `iterable` is not async iterable.
 *
 * @example
 * async function* numbers() {
 *   yield 1;
 *   yield 2;
 * }
 * yield* forEach(fromAsyncIterable(numbers()), function* (n) {
 *   console.log(n); // 1, then 2
 * });
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): AsyncIterableStream<T> {
  const f = (iterable as Partial<AsyncIterable<T>> | null)?.[Symbol.asyncIterator];
  if (typeof f !== "function") {
    throw new TypeError(
      `fromAsyncIterable(iterable): expected an async iterable, got ${describeValue(iterable)}`,
    );
  }
  return new AsyncIterableStream(f.call(iterable));
}
