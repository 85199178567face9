/**
 * Operators over `Stream`s: `map`, `filter`, `take`, `merge`, `chunks`. Each
 * returns a new stream whose `recv()` is a small future polling the source's
 * `recv()` futures, so no task is spawned and nothing is read ahead: an item
 * leaves its source only when a consumer's `recv` takes it. Closing an
 * operator's stream closes its source(s).
 *
 * Cancel safety follows the sources: each operator's `recv` cancels the
 * source `recv`s it holds, and what it already took (`chunks`' partial batch)
 * stays in the operator's stream for the next `recv`. So with cancel-safe
 * sources (channels, `on`, `fromAsyncIterable`) a cancelled `recv` took nothing.
 */
import { type Context, type Future, FutureBase, PENDING, type Pending } from "../core/future.js";
import { Timer } from "../core/timer.js";
import { now } from "../time/sleep.js";
import { checkStream, describeValue, type Stream } from "./stream.js";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

function checkFn(fn: unknown, where: string): void {
  if (typeof fn !== "function")
    throw new TypeError(`${where} must be a function, got ${describeValue(fn)}`);
}

/** One `recv` of an operator: polls `step` until it yields a result; cancel drops what `step` holds. */
class OperatorRecv<T> extends FutureBase<IteratorResult<T, undefined>> {
  readonly #op: Operator<T>;
  constructor(op: Operator<T>) {
    super();
    this.#op = op;
  }
  poll(cx: Context): IteratorResult<T, undefined> | Pending {
    return this.#op._poll(cx);
  }
  cancel(): void {
    this.#op._drop();
  }
  override describe(): string {
    return `recv ${this.#op.name}`;
  }
}

/** The base of the operator streams: `_poll` is one recv's poll; `_drop` cancels what it holds. */
abstract class Operator<T> implements Stream<T>, Disposable {
  abstract readonly name: string;
  #closed = false;
  /** @internal */
  abstract _poll(cx: Context): IteratorResult<T, undefined> | Pending;
  /** @internal The recv in flight was cancelled: cancel the source recvs it holds. */
  abstract _drop(): void;
  protected abstract closeSources(): void;

  get closed(): boolean {
    return this.#closed;
  }

  recv(): Future<IteratorResult<T, undefined>> {
    return new OperatorRecv(this);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this._drop();
    this.closeSources();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Holds one source recv in flight, so a cancelled operator recv can cancel it. */
class Pull<T> {
  readonly source: Stream<T>;
  #f: Future<IteratorResult<T, unknown>> | null = null;
  constructor(source: Stream<T>) {
    this.source = source;
  }
  /** Polls the source's recv (starting one if none is in flight). */
  poll(cx: Context): IteratorResult<T, unknown> | Pending {
    if (this.#f === null) this.#f = this.source.recv();
    let r: IteratorResult<T, unknown> | Pending;
    try {
      r = this.#f.poll(cx);
    } catch (error) {
      this.#f = null;
      throw error;
    }
    if (r !== PENDING) this.#f = null;
    return r;
  }
  drop(): void {
    const f = this.#f;
    this.#f = null;
    f?.cancel?.();
  }
}

class MapStream<T, U> extends Operator<U> {
  readonly name = "map";
  readonly #pull: Pull<T>;
  readonly #fn: (item: T) => U;
  constructor(source: Stream<T>, fn: (item: T) => U) {
    super();
    this.#pull = new Pull(source);
    this.#fn = fn;
  }
  _poll(cx: Context): IteratorResult<U, undefined> | Pending {
    if (this.closed) return DONE;
    const r = this.#pull.poll(cx);
    if (r === PENDING) return PENDING;
    if (r.done) return DONE;
    return { done: false, value: this.#fn(r.value) };
  }
  _drop(): void {
    this.#pull.drop();
  }
  protected closeSources(): void {
    this.#pull.source.close();
  }
}

class FilterStream<T> extends Operator<T> {
  readonly name = "filter";
  readonly #pull: Pull<T>;
  readonly #predicate: (item: T) => boolean;
  constructor(source: Stream<T>, predicate: (item: T) => boolean) {
    super();
    this.#pull = new Pull(source);
    this.#predicate = predicate;
  }
  _poll(cx: Context): IteratorResult<T, undefined> | Pending {
    for (;;) {
      if (this.closed) return DONE;
      const r = this.#pull.poll(cx);
      if (r === PENDING) return PENDING;
      if (r.done) return DONE;
      if (this.#predicate(r.value)) return { done: false, value: r.value };
    }
  }
  _drop(): void {
    this.#pull.drop();
  }
  protected closeSources(): void {
    this.#pull.source.close();
  }
}

class TakeStream<T> extends Operator<T> {
  readonly name = "take";
  readonly #pull: Pull<T>;
  #left: number;
  constructor(source: Stream<T>, n: number) {
    super();
    this.#pull = new Pull(source);
    this.#left = n;
  }
  _poll(cx: Context): IteratorResult<T, undefined> | Pending {
    if (this.closed) return DONE;
    if (this.#left === 0) {
      this.close(); // the n-th item was taken: release the source now
      return DONE;
    }
    const r = this.#pull.poll(cx);
    if (r === PENDING) return PENDING;
    if (r.done) return DONE;
    this.#left--;
    return { done: false, value: r.value };
  }
  _drop(): void {
    this.#pull.drop();
  }
  protected closeSources(): void {
    this.#pull.source.close();
  }
}

class MergeStream<T> extends Operator<T> {
  readonly name = "merge";
  readonly #pulls: Pull<T>[];
  /** Where the next poll starts, rotated so no source starves the others. */
  #start = 0;
  constructor(sources: Stream<T>[]) {
    super();
    this.#pulls = sources.map((s) => new Pull(s));
  }
  _poll(cx: Context): IteratorResult<T, undefined> | Pending {
    const pulls = this.#pulls;
    while (!this.closed && pulls.length > 0) {
      let ended = -1;
      for (let k = 0; k < pulls.length; k++) {
        const i = (this.#start + k) % pulls.length;
        const r = pulls[i].poll(cx);
        if (r === PENDING) continue;
        if (r.done) {
          ended = i;
          break;
        }
        this.#start = (i + 1) % pulls.length;
        this._drop(); // the others' recvs are cancelled; being cancel-safe, they took nothing
        return { done: false, value: r.value };
      }
      if (ended < 0) return PENDING;
      pulls.splice(ended, 1);
      if (this.#start >= pulls.length) this.#start = 0;
    }
    return DONE;
  }
  _drop(): void {
    for (const p of this.#pulls) p.drop();
  }
  protected closeSources(): void {
    for (const p of this.#pulls) p.source.close();
  }
}

class ChunksStream<T> extends Operator<T[]> {
  readonly name = "chunks";
  readonly #pull: Pull<T>;
  readonly #size: number;
  readonly #timeMs: number;
  /** The batch being filled; it belongs to the stream, so a cancelled recv loses none of it. */
  #batch: T[] = [];
  #deadline = 0;
  #timer: Timer | null = null;
  #ended = false;
  constructor(source: Stream<T>, size: number, timeMs: number) {
    super();
    this.#pull = new Pull(source);
    this.#size = size;
    this.#timeMs = timeMs;
  }
  _poll(cx: Context): IteratorResult<T[], undefined> | Pending {
    if (this.closed) return DONE;
    while (!this.#ended && this.#batch.length < this.#size) {
      const r = this.#pull.poll(cx);
      if (r === PENDING) break;
      if (r.done) {
        this.#ended = true;
        break;
      }
      if (this.#batch.length === 0 && this.#timeMs !== Number.POSITIVE_INFINITY) {
        this.#deadline = now() + this.#timeMs; // the window starts with the chunk's first item
      }
      this.#batch.push(r.value);
    }
    if (this.#batch.length >= this.#size || (this.#ended && this.#batch.length > 0))
      return this.#emit();
    if (this.#ended) return DONE;
    if (this.#batch.length > 0 && this.#timeMs !== Number.POSITIVE_INFINITY) {
      if (this.#timer === null) this.#timer = Timer.at(this.#deadline);
      if (this.#timer.poll(cx) !== PENDING) {
        this.#timer = null;
        this.#pull.drop();
        return this.#emit();
      }
    }
    return PENDING;
  }
  #emit(): IteratorResult<T[], undefined> {
    const batch = this.#batch;
    this.#batch = [];
    this.#dropTimer();
    return { done: false, value: batch };
  }
  #dropTimer(): void {
    const t = this.#timer;
    this.#timer = null;
    t?.cancel();
  }
  _drop(): void {
    this.#pull.drop();
    this.#dropTimer();
  }
  protected closeSources(): void {
    this.#pull.source.close();
  }
}

/**
 * A stream of `fn(item)` for each item of `stream`.
 *
 * Cancellation: as the source's `recv` (safe over a cancel-safe source); `fn`
 * runs only on an item that is returned.
 * Throws: what `fn` throws, from the `recv` that took the item.
 *
 * @example
 * const [tx, rx] = channel<number>(1);
 * tx.trySend(20);
 * using doubled = map(rx, (n) => n * 2); // closing it closes rx too
 * const r = yield* doubled.recv(); // {done: false, value: 40}
 */
export function map<T, U>(stream: Stream<T>, fn: (item: T) => U): Stream<U> & Disposable {
  checkStream(stream, "map(stream, fn)");
  checkFn(fn, "map(stream, fn): fn");
  return new MapStream(stream, fn);
}

/**
 * A stream of the items of `stream` for which `predicate` returns true.
 *
 * Cancellation: as the source's `recv` (safe over a cancel-safe source).
 * Throws: what `predicate` throws.
 *
 * @example
 * const [tx, rx] = channel<number>(4);
 * for (const n of [1, 2, 3, 4]) tx.trySend(n);
 * using even = filter(rx, (n) => n % 2 === 0);
 * const r = yield* even.recv(); // {done: false, value: 2}
 */
export function filter<T>(
  stream: Stream<T>,
  predicate: (item: T) => boolean,
): Stream<T> & Disposable {
  checkStream(stream, "filter(stream, predicate)");
  checkFn(predicate, "filter(stream, predicate): predicate");
  return new FilterStream(stream, predicate);
}

/**
 * A stream of the first `n` items of `stream`; it closes the source when it
 * has ended (after the `n`-th item, at the next `recv`, or at `close()`).
 *
 * Cancellation: as the source's `recv` (safe over a cancel-safe source).
 * Throws: RangeError if `n` is not a non-negative integer.
 *
 * @example
 * const [tx, rx] = channel<string>(8);
 * for (const s of ["a", "b", "c"]) tx.trySend(s);
 * yield* forEach(take(rx, 2), function* (s) {
 *   console.log(s); // "a", then "b"; then rx is closed
 * });
 */
export function take<T>(stream: Stream<T>, n: number): Stream<T> & Disposable {
  checkStream(stream, "take(stream, n)");
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(
      `take(stream, n): n must be a non-negative integer, got ${describeValue(n)}`,
    );
  }
  return new TakeStream(stream, n);
}

/**
 * A stream of the items of all `streams`, each as soon as it arrives, until
 * every one has ended. Sources are polled in rotation, so a busy one does not
 * starve the rest.
 *
 * Cancellation: safe when every source's `recv` is: a `recv` that returns an
 * item from one source cancels the recvs it started on the others, and a
 * cancelled one cancels them all, so no item is taken and lost.
 * Throws: what a source's `recv` throws.
 *
 * @example
 * const [, ra] = channel<string>(1);
 * const [b, rb] = channel<string>(1);
 * b.trySend("from b");
 * using both = merge(ra, rb);
 * const r = yield* both.recv(); // {done: false, value: "from b"}
 */
export function merge<T>(...streams: Stream<T>[]): Stream<T> & Disposable {
  for (const [i, s] of streams.entries()) checkStream(s, `merge(...streams): stream ${i}`);
  return new MergeStream(streams);
}

/** Options for `chunks`: a batch is emitted when it has `size` items or its window of `timeMs` ends. */
export interface ChunksOptions {
  /** The most items in a batch. @default Infinity (batches by time only) */
  size?: number;
  /** How long a batch waits for more items after its first one, in ms. @default Infinity (by size only) */
  timeMs?: number;
}

/**
 * A stream of batches (arrays, never empty) of the items of `stream`: a batch
 * is emitted when it holds `size` items, when `timeMs` have passed since its
 * first item arrived, or — the partial one — when the source ends.
 *
 * Cancellation: safe over a cancel-safe source: items already gathered stay
 * in the stream's batch for the next `recv`, and the window keeps its start.
 * Throws: RangeError for a `size` that is not a positive integer (or
 * Infinity), a `timeMs` that is negative or NaN, or neither given.
 *
 * @example
 * const [tx, rx] = channel<number>(8);
 * for (const n of [1, 2, 3]) tx.trySend(n);
 * tx.close();
 * yield* forEach(chunks(rx, { size: 2, timeMs: 100 }), function* (batch) {
 *   console.log(batch); // [1, 2], then [3]
 * });
 */
export function chunks<T>(stream: Stream<T>, options: ChunksOptions): Stream<T[]> & Disposable {
  checkStream(stream, "chunks(stream, options)");
  const size = options?.size ?? Number.POSITIVE_INFINITY;
  const timeMs = options?.timeMs ?? Number.POSITIVE_INFINITY;
  if (
    typeof size !== "number" ||
    !(size === Number.POSITIVE_INFINITY || (Number.isSafeInteger(size) && size > 0))
  ) {
    throw new RangeError(
      `chunks(stream, {size}): size must be a positive integer, got ${describeValue(size)}`,
    );
  }
  if (typeof timeMs !== "number" || Number.isNaN(timeMs) || timeMs < 0) {
    throw new RangeError(
      `chunks(stream, {timeMs}): timeMs must be a non-negative number, got ${describeValue(timeMs)}`,
    );
  }
  if (size === Number.POSITIVE_INFINITY && timeMs === Number.POSITIVE_INFINITY) {
    throw new RangeError("chunks(stream, options): give a size, a timeMs, or both");
  }
  return new ChunksStream(stream, size, timeMs);
}
