/**
 * A growable FIFO ring buffer: the executor's ready queue.
 *
 * Why not an array with push/shift: `shift()` is O(n) once V8 gives up on its
 * left-trimming trick, and a queue that is drained and refilled every batch
 * would keep reallocating. Here push and shift are a store, a load and a mask.
 *
 * Invariant: `capacity` is a power of two; the live items are
 * `items[(head + i) & mask]` for `0 <= i < length`; every other slot is
 * `undefined`, so the ring never keeps a finished task alive.
 */
export class Ring<T> {
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;

  constructor(capacity = 64) {
    let c = 8;
    while (c < capacity) c *= 2;
    this.#items = new Array<T | undefined>(c).fill(undefined);
    this.#mask = c - 1;
  }

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const i = this.#head;
    const item = this.#items[i];
    this.#items[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /**
   * Shuffles the oldest `n` items in place (Fisher–Yates) with `random` in
   * [0, 1): the seeded scheduler's batch order.
   */
  shuffleFront(n: number, random: () => number): void {
    const items = this.#items;
    const mask = this.#mask;
    const head = this.#head;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const a = (head + i) & mask;
      const b = (head + j) & mask;
      const t = items[a];
      items[a] = items[b];
      items[b] = t;
    }
  }

  /** The items oldest first (for listings; allocates). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#length; i++)
      out.push(this.#items[(this.#head + i) & this.#mask] as T);
    return out;
  }

  clear(): void {
    while (this.#length > 0) this.shift();
  }

  /** Gives back the memory of a burst: an empty ring larger than `capacity` shrinks to it. */
  shrink(capacity: number): void {
    if (this.#length === 0 && this.#items.length > capacity) {
      this.#items = new Array<T | undefined>(capacity).fill(undefined);
      this.#mask = capacity - 1;
      this.#head = 0;
    }
  }

  #grow(): void {
    const old = this.#items;
    const oldMask = this.#mask;
    // Grow fourfold: a burst of spawns copies the queue fewer times.
    const items = new Array<T | undefined>(old.length * 4).fill(undefined);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & oldMask];
    this.#items = items;
    this.#mask = items.length - 1;
    this.#head = 0;
  }
}
