/**
 * A hierarchical timing wheel (Varghese & Lauck), after Tokio's
 * `runtime/time/wheel`: O(1) insert and cancel, and the next deadline found in
 * O(levels) with one bit scan per level.
 *
 * The model
 * ---------
 * Time is counted in integer ticks of 1 ms of the runtime's clock (a timer's
 * `when` is its deadline, no epoch subtracted). Level 0
 * has 32 slots of 1 tick, level 1 32 slots of 32 ticks, and so on: 7 levels
 * cover 32^7 ms (about 1.09 years); later deadlines wait on the top level and
 * are re-filed each time it comes round. Tokio uses 6 levels of 64 slots; we
 * use 32 because a level's occupancy must fit one 32-bit integer for JS bit
 * operations.
 *
 * A timer with deadline `when` lives on the lowest level whose slot span
 * contains both `elapsed` and `when`, i.e. the level of the highest base-32
 * digit in which they differ. As `elapsed` advances to the start of a slot on
 * level L > 0, that slot is emptied and its timers are re-filed on lower
 * levels ("cascading"); level 0 slots hold exact ticks and fire.
 *
 * Each slot is a circular doubly-linked list through a sentinel node, so a
 * timer unlinks itself without knowing its slot. Timers are appended at the
 * tail and cascades preserve list order, so timers with the same deadline fire
 * in the order they were inserted.
 *
 * Invariants:
 *  - `elapsed` never decreases; every slot whose start is <= `elapsed` has been
 *    processed, so every stored timer has `when > elapsed`.
 *  - bit s of `#occupied[L]` is set iff slot s of level L is non-empty.
 */

/**
 * A node of the wheel. `Timer` (the sleep future) extends this. Sentinel nodes
 * are instances too, marked by `waker === wheel`; see `isSentinel`.
 */
export interface TimerNode {
  /** Deadline tick while filed. For a sentinel: its slot index. */
  when: number;
  prevT: TimerNode | null;
  nextT: TimerNode | null;
  /** Called when the deadline is reached. */
  fire(): void;
}

const LEVELS = 7;
const SLOT_BITS = 5;
const SLOTS = 1 << SLOT_BITS; // 32
const SLOT_MASK = SLOTS - 1;
/** Span of one slot on each level, and of a whole level (spans[L + 1]). */
const SPANS: number[] = Array.from({ length: LEVELS + 1 }, (_, l) => SLOTS ** l);
const MAX_SPAN = SPANS[LEVELS] as number;

class Sentinel implements TimerNode {
  when: number;
  prevT: TimerNode;
  nextT: TimerNode;
  readonly wheel: TimerWheel;
  constructor(index: number, wheel: TimerWheel) {
    this.when = index;
    this.prevT = this;
    this.nextT = this;
    this.wheel = wheel;
  }
  fire(): void {}
}

/**
 * Unlinks a filed node from whatever wheel holds it (a no-op for one that is
 * not filed). O(1): only a slot that held just this node leaves its sentinel
 * linked to itself, and the sentinel knows its wheel and slot.
 */
export function unfile(node: TimerNode): void {
  const prev = node.prevT;
  const next = node.nextT;
  if (prev === null || next === null) return;
  prev.nextT = next;
  next.prevT = prev;
  node.prevT = null;
  node.nextT = null;
  if (prev === next) {
    const sentinel = prev as Sentinel;
    sentinel.wheel._clearSlot(sentinel.when);
  }
}

export class TimerWheel {
  /** The tick up to which time has been processed. */
  elapsed = 0;
  readonly #slots: Sentinel[];
  readonly #occupied = new Int32Array(LEVELS);
  /** Bit L set iff level L has any occupied slot: an O(1) emptiness test. */
  #levels = 0;

  constructor() {
    this.#slots = Array.from({ length: LEVELS * SLOTS }, (_, i) => new Sentinel(i, this));
  }

  /** True when no timer is filed. */
  get isEmpty(): boolean {
    return this.#levels === 0;
  }

  /**
   * Files `node` under `node.when`. Returns false (and files nothing) if the
   * deadline is not after `elapsed`: the caller should treat it as due now.
   */
  insert(node: TimerNode): boolean {
    const when = node.when;
    if (!(when > this.elapsed)) return false;
    const elapsed = this.elapsed;
    // Both within 31 bits (the clock's first 24 days): the level is that of the
    // highest bit in which they differ, found with one clz32 (as Tokio does),
    // and the slot is a shift; else two divisions per level (`slotIndex`).
    const index =
      (when | 0) === when && (elapsed | 0) === elapsed
        ? fastIndex(elapsed, when)
        : slotIndex(elapsed, when);
    const level = index >>> SLOT_BITS;
    const slot = index & SLOT_MASK;
    const head = this.#slots[index] as Sentinel;
    const tail = head.prevT;
    node.prevT = tail;
    node.nextT = head;
    tail.nextT = node;
    head.prevT = node;
    this.#occupied[level] = (this.#occupied[level] as number) | (1 << slot);
    this.#levels |= 1 << level;
    return true;
  }

  /** The tick at which the wheel next has work (a timer or a cascade), or Infinity. */
  nextExpiration(): number {
    if (this.#levels === 0) return Number.POSITIVE_INFINITY;
    const level = 31 - Math.clz32(this.#levels & -this.#levels);
    return this.#expiration(level);
  }

  /**
   * The deadline of the earliest filed timer, or Infinity when empty. Exact
   * (a higher level only knows its slot's start, so its slot is scanned), and
   * changes nothing: the virtual clock uses it to jump straight to a deadline.
   */
  nextDeadline(): number {
    if (this.#levels === 0) return Number.POSITIVE_INFINITY;
    const level = 31 - Math.clz32(this.#levels & -this.#levels);
    const at = this.#expiration(level);
    if (level === 0) return at;
    // Everything on lower levels is empty and, below the top level, later
    // slots hold later deadlines: the earliest is in the slot reached first.
    // A top-level slot may also hold deadlines whole rotations away, so there
    // every slot is scanned (only timers more than ~12 days away live there).
    let first = Math.floor(at / (SPANS[level] as number)) & SLOT_MASK;
    let last = first;
    if (level === LEVELS - 1) {
      first = 0;
      last = SLOTS - 1;
    }
    let earliest = Number.POSITIVE_INFINITY;
    for (let slot = first; slot <= last; slot++) {
      const head = this.#slots[level * SLOTS + slot] as Sentinel;
      for (let node = head.nextT; node !== head; node = node.nextT as TimerNode) {
        if (node.when < earliest) earliest = node.when;
      }
    }
    return earliest;
  }

  /**
   * Advances time to `now`, calling `fire` for each timer whose deadline is
   * reached, in deadline order (insertion order among equal deadlines).
   */
  advance(now: number, fire: (node: TimerNode) => void): void {
    while (this.#levels !== 0) {
      const level = 31 - Math.clz32(this.#levels & -this.#levels);
      const at = this.#expiration(level);
      if (at > now) break;
      this.#process(level, at, fire);
    }
    if (now > this.elapsed) this.elapsed = now;
  }

  /** Removes every timer (each is unlinked; none fires). */
  /** The filed timers, slot by slot (O(timers + slots); for leak reports). */
  nodes(): TimerNode[] {
    const out: TimerNode[] = [];
    if (this.#levels === 0) return out;
    for (const head of this.#slots) {
      for (let node = head.nextT; node !== head; node = node.nextT as TimerNode) out.push(node);
    }
    return out;
  }

  clear(): void {
    for (const head of this.#slots) {
      let node = head.nextT;
      while (node !== head) {
        const next = node.nextT as TimerNode;
        node.prevT = null;
        node.nextT = null;
        node = next;
      }
      head.prevT = head;
      head.nextT = head;
    }
    this.#occupied.fill(0);
    this.#levels = 0;
  }

  /**
   * Checks the invariants (for tests; O(timers + slots)): each slot's list is
   * well linked and its occupancy bit says whether it is empty; every timer is
   * after `elapsed`, in the slot its deadline names on its level, and, below
   * the top level, in the level's current rotation and in a slot not yet
   * reached (so the wheel will find it on time). Throws on the first breach.
   */
  check(): void {
    const fail = (what: string): never => {
      throw new Error(`timer wheel (elapsed ${this.elapsed}): ${what}`);
    };
    let levels = 0;
    for (let level = 0; level < LEVELS; level++) {
      const span = SPANS[level] as number;
      const levelSpan = SPANS[level + 1] as number;
      let occupied = 0;
      for (let slot = 0; slot < SLOTS; slot++) {
        const head = this.#slots[level * SLOTS + slot] as Sentinel;
        if (head.when !== level * SLOTS + slot) fail(`sentinel ${level}/${slot} mislabelled`);
        let prev: TimerNode = head;
        for (let node = head.nextT; node !== head; node = node.nextT as TimerNode) {
          const where = `timer at ${node.when} in slot ${level}/${slot}`;
          if (node.prevT !== prev) fail(`${where}: broken back link`);
          if (!(node.when > this.elapsed)) fail(`${where}: not after elapsed`);
          if ((Math.floor(node.when / span) & SLOT_MASK) !== slot) fail(`${where}: wrong slot`);
          if (level < LEVELS - 1) {
            if (Math.floor(node.when / levelSpan) !== Math.floor(this.elapsed / levelSpan))
              fail(`${where}: outside the level's current rotation`);
            if (level > 0 && Math.floor(node.when / span) * span <= this.elapsed)
              fail(`${where}: its slot was reached but not cascaded`);
          }
          prev = node;
        }
        if (head.prevT !== prev) fail(`slot ${level}/${slot}: broken tail link`);
        if (head.nextT !== head) occupied |= 1 << slot;
      }
      if (occupied !== this.#occupied[level]) fail(`level ${level}: occupancy bits disagree`);
      if (occupied !== 0) levels |= 1 << level;
    }
    if (levels !== this.#levels) fail("the level bits disagree with the slots");
  }

  /** The start tick of the next occupied slot on `level`, at or after `elapsed`. */
  #expiration(level: number): number {
    const occupied = this.#occupied[level] as number;
    const slotSpan = SPANS[level] as number;
    const levelSpan = SPANS[level + 1] as number;
    const elapsed = this.elapsed;
    const current = Math.floor(elapsed / slotSpan) & SLOT_MASK;
    // Rotate so bit 0 is the first slot to look at, then find the first set bit.
    // Above level 0 that is the slot after the current one: the current slot
    // was emptied when time reached its start, so what it holds now (only on
    // the top level: deadlines a whole rotation or more away) comes last.
    const from = level > 0 ? (current + 1) & SLOT_MASK : current;
    const rotated = from === 0 ? occupied : (occupied >>> from) | (occupied << (SLOTS - from));
    const slot = (from + (31 - Math.clz32(rotated & -rotated))) & SLOT_MASK;
    const levelStart = elapsed - (elapsed % levelSpan);
    let at = levelStart + slot * slotSpan;
    // A slot behind the current one (or, above level 0, the current one, which
    // was emptied when time reached its start) comes round in the next rotation.
    if (level > 0 ? at <= elapsed : at < elapsed) at += levelSpan;
    return at;
  }

  /** Empties slot `(level, at)`: fires level-0 timers, re-files the others. */
  #process(level: number, at: number, fire: (node: TimerNode) => void): void {
    const slot = Math.floor(at / (SPANS[level] as number)) & SLOT_MASK;
    const head = this.#slots[level * SLOTS + slot] as Sentinel;
    // Detach the whole list first: firing may file new timers.
    let node: TimerNode | null = head.nextT;
    head.prevT.nextT = null;
    head.prevT = head;
    head.nextT = head;
    this._clearSlot(level * SLOTS + slot);
    if (at > this.elapsed) this.elapsed = at;
    while (node !== null && node !== head) {
      const next: TimerNode | null = node.nextT;
      node.prevT = null;
      node.nextT = null;
      if (!this.insert(node)) fire(node);
      node = next;
    }
  }

  /** @internal Marks slot `index` (level * 32 + slot) empty. */
  _clearSlot(index: number): void {
    const level = (index / SLOTS) | 0;
    const bits = (this.#occupied[level] as number) & ~(1 << (index & SLOT_MASK));
    this.#occupied[level] = bits;
    if (bits === 0) this.#levels &= ~(1 << level);
  }
}

/** `slotIndex` for `elapsed < when < 2^31`. */
function fastIndex(elapsed: number, when: number): number {
  const level = ((31 - Math.clz32((elapsed ^ when) | SLOT_MASK)) / SLOT_BITS) | 0;
  return level * SLOTS + ((when >>> (level * SLOT_BITS)) & SLOT_MASK);
}

/** The slot (level * 32 + slot) in which a deadline `when` is filed when time is `elapsed`. */
function slotIndex(elapsed: number, when: number): number {
  const level = levelFor(elapsed, when);
  return level * SLOTS + (Math.floor(when / (SPANS[level] as number)) & SLOT_MASK);
}

/** The level on which a deadline `when` is filed when time is `elapsed`. */
function levelFor(elapsed: number, when: number): number {
  if (when - elapsed >= MAX_SPAN) return LEVELS - 1;
  for (let level = 0; level < LEVELS - 1; level++) {
    const span = SPANS[level + 1] as number;
    if (Math.floor(elapsed / span) === Math.floor(when / span)) return level;
  }
  return LEVELS - 1;
}
