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
import { instrumentation, trackCreation } from "../core/instrument.js";
import { Timer } from "../core/timer.js";
import { now } from "../time/sleep.js";
import { checkStream, describeValue, type Stream } from "./stream.js";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

function checkFn(fn: unknown, where: string): void {
  if (typeof fn !== "function")
    throw new TypeError(`${where} must be a function, got ${describeValue(fn)}`);
}

/**
 * One `recv` of an operator. It owns the source recvs it has started (so two
 * tasks receiving from one operator stream each keep their own, with their
 * own wakers); its cancel cancels them. What is gathered across recvs
 * (`chunks`' batch) lives in the operator's stream instead.
 */
class OperatorRecv<T> extends FutureBase<IteratorResult<T, undefined>> {
  readonly #op: Operator<T>;
  /** The source recv in flight (one-source operators). */
  src: Future<IteratorResult<unknown, unknown>> | null = null;
  /** The source recvs in flight, by source index (`merge`). */
  srcs: (Future<IteratorResult<unknown, unknown>> | null)[] | null = null;
  /** The batch window's timer (`chunks`). */
  timer: Timer | null = null;
  /** The deadline `timer` was set for. */
  timerAt = 0;
  constructor(op: Operator<T>) {
    super();
    this.#op = op;
  }
  /** Handed out by `recv()` and not yet completed or cancelled (see `Operator.recv`). */
  claimed = false;
  poll(cx: Context): IteratorResult<T, undefined> | Pending {
    let r: IteratorResult<T, undefined> | Pending;
    try {
      r = this.#op._poll(this, cx);
    } catch (error) {
      this.claimed = false;
      throw error;
    }
    if (r !== PENDING) this.claimed = false;
    return r;
  }
  cancel(): void {
    dropAll(this);
    this.claimed = false;
  }
  override describe(): string {
    return `recv ${this.#op.name}`;
  }
}

/** Cancels every source recv and timer `r` holds; each being cancel-safe, nothing was taken. */
function dropAll(r: OperatorRecv<unknown>): void {
  const src = r.src;
  r.src = null;
  src?.cancel?.();
  const srcs = r.srcs;
  if (srcs !== null) {
    for (let i = 0; i < srcs.length; i++) {
      const f = srcs[i];
      srcs[i] = null;
      f?.cancel?.();
    }
  }
  const t = r.timer;
  r.timer = null;
  t?.cancel();
}

/** Polls `r`'s recv of `source` (starting one if none is in flight). */
function pollSource<T>(
  r: OperatorRecv<unknown>,
  source: Stream<T>,
  cx: Context,
): IteratorResult<T, unknown> | Pending {
  if (r.src === null) r.src = source.recv();
  const f = r.src as Future<IteratorResult<T, unknown>>;
  let v: IteratorResult<T, unknown> | Pending;
  try {
    v = f.poll(cx);
  } catch (error) {
    r.src = null;
    throw error;
  }
  if (v !== PENDING) r.src = null;
  return v;
}

/** The base of the operator streams: `_poll` is one recv's poll. */
abstract class Operator<T> implements Stream<T>, Disposable {
  abstract readonly name: string;
  #closed = false;
  /** @internal */
  abstract _poll(r: OperatorRecv<T>, cx: Context): IteratorResult<T, undefined> | Pending;
  protected abstract closeSources(): void;

  get closed(): boolean {
    return this.#closed;
  }

  #spare: OperatorRecv<T> = new OperatorRecv(this);

  /**
   * As a channel receiver does, hands out one cached recv future, claimed until
   * it completes or is cancelled (a fresh one while it is claimed), so a
   * `forEach` over a chain allocates no future per item. A future from
   * `recv()` is good for one `yield*`.
   */
  recv(): Future<IteratorResult<T, undefined>> {
    let f = this.#spare;
    if (f.claimed || instrumentation.track !== null) f = trackCreation(new OperatorRecv(this));
    f.claimed = true;
    return f;
  }

  /** Closes the source(s): recvs waiting on them end with `{done: true}`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.closeSources();
  }

  /** `using` support: closes the stream at the end of the block, as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

class MapStream<T, U> extends Operator<U> {
  readonly name = "map";
  readonly #source: Stream<T>;
  readonly #fn: (item: T) => U;
  constructor(source: Stream<T>, fn: (item: T) => U) {
    super();
    this.#source = source;
    this.#fn = fn;
  }
  _poll(rv: OperatorRecv<U>, cx: Context): IteratorResult<U, undefined> | Pending {
    if (this.closed) return DONE;
    const r = pollSource(rv, this.#source, cx);
    if (r === PENDING) return PENDING;
    if (r.done) return DONE;
    return { done: false, value: this.#fn(r.value) };
  }
  protected closeSources(): void {
    this.#source.close();
  }
}

class FilterStream<T> extends Operator<T> {
  readonly name = "filter";
  readonly #source: Stream<T>;
  readonly #predicate: (item: T) => boolean;
  constructor(source: Stream<T>, predicate: (item: T) => boolean) {
    super();
    this.#source = source;
    this.#predicate = predicate;
  }
  _poll(rv: OperatorRecv<T>, cx: Context): IteratorResult<T, undefined> | Pending {
    for (;;) {
      if (this.closed) return DONE;
      const r = pollSource(rv, this.#source, cx);
      if (r === PENDING) return PENDING;
      if (r.done) return DONE;
      if (this.#predicate(r.value)) return r as IteratorYieldResult<T>;
    }
  }
  protected closeSources(): void {
    this.#source.close();
  }
}

class TakeStream<T> extends Operator<T> {
  readonly name = "take";
  readonly #source: Stream<T>;
  #left: number;
  constructor(source: Stream<T>, n: number) {
    super();
    this.#source = source;
    this.#left = n;
  }
  _poll(rv: OperatorRecv<T>, cx: Context): IteratorResult<T, undefined> | Pending {
    if (this.closed) return DONE;
    if (this.#left === 0) {
      this.close(); // the n-th item was taken: release the source now
      return DONE;
    }
    const r = pollSource(rv, this.#source, cx);
    if (r === PENDING) return PENDING;
    if (r.done) return DONE;
    this.#left--;
    return r as IteratorYieldResult<T>;
  }
  protected closeSources(): void {
    this.#source.close();
  }
}

class MergeStream<T> extends Operator<T> {
  readonly name = "merge";
  readonly #sources: Stream<T>[];
  /** The sources that have not ended yet, by index into `#sources`. */
  readonly #live: boolean[];
  #liveCount: number;
  /** Where the next poll starts, rotated so no source starves the others. */
  #start = 0;
  constructor(sources: Stream<T>[]) {
    super();
    this.#sources = sources;
    this.#live = sources.map(() => true);
    this.#liveCount = sources.length;
  }
  _poll(rv: OperatorRecv<T>, cx: Context): IteratorResult<T, undefined> | Pending {
    const n = this.#sources.length;
    if (rv.srcs === null) rv.srcs = new Array(n).fill(null);
    const srcs = rv.srcs;
    for (let k = 0; k < n && !this.closed && this.#liveCount > 0; k++) {
      const i = (this.#start + k) % n;
      if (!this.#live[i]) continue;
      let f = srcs[i];
      if (f === null) {
        f = this.#sources[i].recv();
        srcs[i] = f;
      }
      let r: IteratorResult<unknown, unknown> | Pending;
      try {
        r = f.poll(cx);
      } catch (error) {
        srcs[i] = null;
        dropAll(rv);
        throw error;
      }
      if (r === PENDING) continue;
      srcs[i] = null;
      if (r.done) {
        this.#live[i] = false;
        this.#liveCount--;
        continue;
      }
      this.#start = (i + 1) % n;
      dropAll(rv); // the others' recvs are cancelled; being cancel-safe, they took nothing
      return r as IteratorYieldResult<T>;
    }
    if (this.closed || this.#liveCount === 0) {
      dropAll(rv);
      return DONE;
    }
    return PENDING;
  }
  protected closeSources(): void {
    for (const s of this.#sources) s.close();
  }
}

class ChunksStream<T> extends Operator<T[]> {
  readonly name = "chunks";
  readonly #source: Stream<T>;
  readonly #size: number;
  readonly #timeMs: number;
  /** The batch being filled; it belongs to the stream, so a cancelled recv loses none of it. */
  #batch: T[] = [];
  #deadline = 0;
  #ended = false;
  constructor(source: Stream<T>, size: number, timeMs: number) {
    super();
    this.#source = source;
    this.#size = size;
    this.#timeMs = timeMs;
  }
  _poll(rv: OperatorRecv<T[]>, cx: Context): IteratorResult<T[], undefined> | Pending {
    if (this.closed) return DONE;
    while (!this.#ended && this.#batch.length < this.#size) {
      const r = pollSource(rv, this.#source, cx);
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
    if (this.#batch.length >= this.#size || (this.#ended && this.#batch.length > 0)) {
      return this.#emit(rv);
    }
    if (this.#ended) return DONE;
    if (this.#batch.length > 0 && this.#timeMs !== Number.POSITIVE_INFINITY) {
      if (rv.timer !== null && rv.timerAt !== this.#deadline) {
        rv.timer.cancel(); // another task's recv emitted; this is a new batch's window
        rv.timer = null;
      }
      if (rv.timer === null) {
        rv.timer = Timer.at(this.#deadline);
        rv.timerAt = this.#deadline;
      }
      if (rv.timer.poll(cx) !== PENDING) return this.#emit(rv);
    }
    return PENDING;
  }
  #emit(rv: OperatorRecv<T[]>): IteratorResult<T[], undefined> {
    dropAll(rv);
    const batch = this.#batch;
    this.#batch = [];
    return { done: false, value: batch };
  }
  protected closeSources(): void {
    this.#source.close();
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
