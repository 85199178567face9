/**
 * The executor's ready queue: a FIFO of fixed-size chunks.
 *
 * Why chunks, not one growable ring: a burst of 100,000 spawns must not copy
 * the queue each time it doubles (a growable ring copies every entry about
 * twice), and once the burst has drained, its memory must go back (a ring
 * keeps its largest size, or pays the copies again when it shrinks and grows).
 * Here a push is a store and an index bump; a full tail chunk links a new one
 * (or the spare); an empty head chunk becomes the spare. Memory is
 * proportional to what is queued now.
 *
 * Invariants: the live items are `head.items[headIndex..]`, the full chunks
 * after it, and `tail.items[..tailIndex]`; every other slot is `undefined`, so
 * the queue never keeps a finished task alive. `length` counts them.
 */
class Chunk<T> {
  readonly items: (T | undefined)[];
  next: Chunk<T> | null = null;
  constructor(size: number) {
    this.items = new Array<T | undefined>(size).fill(undefined);
  }
}

export class ChunkedFifo<T> {
  #head: Chunk<T>;
  #headIndex = 0;
  #tail: Chunk<T>;
  #tailIndex = 0;
  #length = 0;
  /** One empty chunk kept back, so a queue hovering at a chunk boundary does not allocate. */
  #spare: Chunk<T> | null = null;
  readonly #chunk: number;

  /** `chunk`: entries per chunk (the executor uses 1024; a small queue, less). */
  constructor(chunk = 1024) {
    this.#chunk = chunk;
    this.#head = new Chunk<T>(chunk);
    this.#tail = this.#head;
  }

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#tailIndex === this.#chunk) {
      let chunk = this.#spare;
      if (chunk === null) chunk = new Chunk<T>(this.#chunk);
      else this.#spare = null;
      this.#tail.next = chunk;
      this.#tail = chunk;
      this.#tailIndex = 0;
    }
    this.#tail.items[this.#tailIndex++] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    let head = this.#head;
    if (this.#headIndex === this.#chunk) {
      const next = head.next as Chunk<T>;
      head.next = null;
      this.#spare = head;
      head = next;
      this.#head = head;
      this.#headIndex = 0;
    }
    const i = this.#headIndex;
    const item = head.items[i];
    head.items[i] = undefined;
    if (--this.#length === 0) {
      // Empty: start again at the front of this chunk (no chunk churn at rest).
      this.#headIndex = 0;
      this.#tail = head;
      this.#tailIndex = 0;
      head.next = null;
    } else {
      this.#headIndex = i + 1;
    }
    return item;
  }

  /** The items oldest first (for listings; allocates). */
  toArray(): T[] {
    const out: T[] = [];
    let chunk: Chunk<T> | null = this.#head;
    let i = this.#headIndex;
    for (let left = this.#length; left > 0; left--) {
      if (i === this.#chunk) {
        chunk = (chunk as Chunk<T>).next;
        i = 0;
      }
      out.push((chunk as Chunk<T>).items[i++] as T);
    }
    return out;
  }

  clear(): void {
    while (this.#length > 0) this.shift();
  }
}
