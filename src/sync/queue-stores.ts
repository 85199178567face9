/**
 * The stores behind asyncio's three queues: which item `get` takes. A FIFO
 * ring (`Queue`), a stack (`LifoQueue`) and a binary heap (`PriorityQueue`).
 */
import { ChunkedFifo } from "../core/fifo.js";

/** How a queue keeps its items: which one `get` takes. */
export interface Store<T> {
  readonly size: number;
  push(item: T): void;
  pop(): T;
  clear(): void;
}

export class FifoStore<T> implements Store<T> {
  readonly #items = new ChunkedFifo<T>(16);
  get size(): number {
    return this.#items.length;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  pop(): T {
    return this.#items.shift() as T;
  }
  clear(): void {
    this.#items.clear();
  }
}

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
