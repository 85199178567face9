/**
 * The stores the channel core (channel-core.ts) keeps its items in: which item
 * a receive takes. A ring for first-in, first-out (`channel`,
 * `unboundedChannel`, `Queue`), a stack (`LifoQueue`) and a binary heap
 * (`PriorityQueue`).
 *
 * A store only holds items: capacity, reservations and waiting are the core's.
 * The core calls `pop` only when the store is not empty.
 */

/** How the channel core keeps its items: which one a receive takes. */
export interface Store<T> {
  readonly size: number;
  push(item: T): void;
  /** Takes the next item; only called when `size > 0`. */
  pop(): T;
  clear(): void;
}

/** A buffer that grew past this while a burst passed is given back when it drains. */
const SHRINK_ABOVE = 4096;
const INITIAL_SIZE = 16;

/**
 * First in, first out: a ring buffer that starts small and doubles as needed,
 * so it never outgrows the power of two above the most it held at once, and a
 * huge capacity costs nothing up front. The methods are small so that V8
 * inlines them into the core's hot paths (measured: that halves the cost of a
 * ready send + recv).
 */
export class RingStore<T> implements Store<T> {
  // Invariant: #buf.length is a power of two; live items are #buf[(#head + i) & (#buf.length - 1)]
  // for i < #len, and every other slot is undefined.
  #buf: (T | undefined)[] = new Array<T | undefined>(INITIAL_SIZE).fill(undefined);
  #head = 0;
  #len = 0;

  get size(): number {
    return this.#len;
  }

  push(item: T): void {
    let buf = this.#buf;
    const len = this.#len;
    if (len === buf.length) buf = this.#grow();
    buf[(this.#head + len) & (buf.length - 1)] = item;
    this.#len = len + 1;
  }

  pop(): T {
    const buf = this.#buf;
    const i = this.#head;
    const item = buf[i] as T;
    buf[i] = undefined;
    this.#head = (i + 1) & (buf.length - 1);
    if (--this.#len === 0 && buf.length > SHRINK_ABOVE) this.clear();
    return item;
  }

  clear(): void {
    this.#buf = new Array<T | undefined>(INITIAL_SIZE).fill(undefined);
    this.#head = 0;
    this.#len = 0;
  }

  #grow(): (T | undefined)[] {
    const old = this.#buf;
    const mask = old.length - 1;
    const buf = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.#len; i++) buf[i] = old[(this.#head + i) & mask];
    this.#buf = buf;
    this.#head = 0;
    return buf;
  }
}

/** Last in, first out (`LifoQueue`). */
export class LifoStore<T> implements Store<T> {
  readonly #items: T[] = [];
  get size(): number {
    return this.#items.length;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  pop(): T {
    return this.#items.pop() as T;
  }
  clear(): void {
    this.#items.length = 0;
  }
}

/** A binary min-heap; equal items come out in the order they were put (a sequence breaks ties). */
export class HeapStore<T> implements Store<T> {
  readonly #items: T[] = [];
  readonly #seqs: number[] = [];
  #seq = 0;
  readonly #compare: (a: T, b: T) => number;
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }
  get size(): number {
    return this.#items.length;
  }
  #less(i: number, j: number): boolean {
    const c = this.#compare(this.#items[i] as T, this.#items[j] as T);
    return c < 0 || (c === 0 && (this.#seqs[i] as number) < (this.#seqs[j] as number));
  }
  #swap(i: number, j: number): void {
    const items = this.#items;
    const seqs = this.#seqs;
    [items[i], items[j]] = [items[j] as T, items[i] as T];
    [seqs[i], seqs[j]] = [seqs[j] as number, seqs[i] as number];
  }
  push(item: T): void {
    this.#items.push(item);
    this.#seqs.push(this.#seq++);
    let i = this.#items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }
  pop(): T {
    const items = this.#items;
    const top = items[0] as T;
    const last = items.length - 1;
    this.#swap(0, last);
    items.pop();
    this.#seqs.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.#less(l, m)) m = l;
      if (r < last && this.#less(r, m)) m = r;
      if (m === i) break;
      this.#swap(i, m);
      i = m;
    }
    return top;
  }
  clear(): void {
    this.#items.length = 0;
    this.#seqs.length = 0;
  }
}

/**
 * The default order of a `PriorityQueue`: numbers, strings and bigints by `<`;
 * arrays element by element, as Python compares tuples (so `[priority, item]`
 * works as in asyncio).
 */
export function defaultCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = defaultCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if ((a as number) < (b as number)) return -1;
  if ((a as number) > (b as number)) return 1;
  return 0;
}
