/**
 * The parking lot: the one fair FIFO wait queue under every sync primitive.
 *
 * Why in core/: it is not a sync primitive but what primitives are built from
 * — channels, locks and queues in sync/, and the accept and datagram queues in
 * net/ park their waiters here too — so it belongs to the kernel that both
 * build on. Trio does the same: its `ParkingLot` is the one synchronization
 * primitive in `_core/_parking_lot.py`, and its locks, queues and channels are
 * built on it outside the core. Like the rest of core/, it imports nothing
 * from outside core/.
 *
 * The model
 * ---------
 * A `Waiter` is one waiting operation (a `recv`, a `lock`, an `acquire(3)`).
 * Its future owns it and reuses it across polls; a `WaitQueue` links waiters
 * in arrival order. A waiter is in one of three states:
 *
 *   IDLE ──park──▶ WAITING ──notifyOne / notifyAll──▶ NOTIFIED ──(its poll takes the grant)──▶ IDLE
 *                     │ remove (cancelled)  ──▶ IDLE
 *                     └ wakeAll (closed: no grant) ──▶ IDLE
 *
 * - WAITING: linked in the queue, its waker stored. Spurious polls re-store
 *   the waker (the most recent one wins) and keep the place in the line.
 * - NOTIFIED: taken off the queue and woken *with a grant*: the primitive has
 *   set something aside for it (a message, a free slot, permits, the lock).
 *   The grant becomes the waiter's only inside its next `poll()` (values change
 *   hands only there). If the future is cancelled first, it must give the
 *   grant back through its primitive, which hands it to the next waiter: a
 *   notified-then-cancelled waiter never swallows a wake-up someone needed.
 * - `wakeAll` (used when a channel closes) wakes everyone without a grant:
 *   the waiters go back to IDLE and find out why at their next poll.
 *
 * Who may change what: only the primitive that owns a queue calls its
 * methods, always synchronously (inside a poll, a `cancel()` or a plain method
 * such as `trySend`). A waiter's `state` is changed by the queue (park,
 * notify, remove) and by its future (taking the grant: NOTIFIED → IDLE).
 *
 * Why a separate small object and not the future itself: every queue then sees
 * one object shape, so its list operations stay monomorphic whatever future
 * parks; and a future that never has to wait never allocates one.
 *
 * Wakers are called after the waiter is unlinked and must not re-enter the
 * queue synchronously (corio's never do: a task's wake only schedules it).
 */
import type { Waker } from "./future.js";
import { keepShapes } from "./kept-shapes.js";

/** Not in any queue, nothing granted. */
export const IDLE = 0;
/** Linked in a queue, waiting for a grant. */
export const WAITING = 1;
/** Off the queue and woken with a grant its next poll takes (or its cancel gives back). */
export const NOTIFIED = 2;

/** Where a `Waiter` is: `IDLE`, `WAITING` (queued) or `NOTIFIED` (woken with a grant). */
export type WaiterState = typeof IDLE | typeof WAITING | typeof NOTIFIED;

/**
 * One waiting operation. Low-level: a primitive's future allocates one the
 * first time it must wait and keeps it.
 */
export class Waiter {
  /** The waker to call on notification; stored while WAITING. */
  waker: Waker | null = null;
  /** IDLE, WAITING or NOTIFIED; see the module comment. */
  state: WaiterState = IDLE;
  /** How much this waiter asks for (permits, say); the primitive's to interpret. @default 1 */
  need = 1;
  /** Free for the primitive (a sender handle, a read/write flag, ...). */
  tag: unknown = null;
  // Invariant: prev/next are non-null only while WAITING, and only for links in one queue.
  prev: Waiter | null = null;
  next: Waiter | null = null;
}

// One waiter kept alive, so every primitive's optimized park path survives a full GC.
keepShapes(new Waiter());

/**
 * A fair FIFO queue of parked waiters. No guard rails (`corio/lowlevel`): the
 * primitive that owns the queue decides when a waiter is granted something and
 * must take grants back from waiters cancelled while NOTIFIED. Use the
 * primitives in `corio` (channel, Mutex, Semaphore, Notify, ...) unless you
 * are writing a new one.
 *
 * @example
 * const q = new WaitQueue();
 * const w = new Waiter();
 * q.park(w, cx.waker); // in poll(): wait
 * q.notifyOne();       // elsewhere: w.state becomes NOTIFIED and its task wakes
 */
export class WaitQueue {
  #head: Waiter | null = null;
  #tail: Waiter | null = null;
  // Invariant: #length is the number of waiters linked from #head, all WAITING.
  #length = 0;

  /** How many waiters are parked. */
  get length(): number {
    return this.#length;
  }

  /** The longest-waiting waiter, or null. */
  get first(): Waiter | null {
    return this.#head;
  }

  /**
   * Parks `w` at the back of the line (IDLE → WAITING), or, if it is already
   * waiting here, only re-stores its waker (a spurious poll keeps its place).
   */
  park(w: Waiter, waker: Waker): void {
    w.waker = waker;
    if (w.state === WAITING) return;
    w.state = WAITING;
    const tail = this.#tail;
    w.prev = tail;
    w.next = null;
    if (tail === null) this.#head = w;
    else tail.next = w;
    this.#tail = w;
    this.#length++;
  }

  /** Takes a WAITING `w` out of the line (a cancelled wait). Returns false if it was not waiting. */
  remove(w: Waiter): boolean {
    if (w.state !== WAITING) return false;
    this.#unlink(w);
    w.state = IDLE;
    w.waker = null;
    return true;
  }

  /** Grants the first waiter (WAITING → NOTIFIED) and wakes it. Returns it, or null if none. */
  notifyOne(): Waiter | null {
    const w = this.#head;
    if (w === null) return null;
    this.#unlink(w);
    w.state = NOTIFIED;
    const waker = w.waker as Waker;
    w.waker = null;
    waker.wake();
    return w;
  }

  /** Grants every waiter (an event set, a barrier released). Returns how many. */
  notifyAll(): number {
    return this.#drain(NOTIFIED);
  }

  /** Wakes every waiter *without* a grant (the primitive closed); they go back to IDLE. */
  wakeAll(): number {
    return this.#drain(IDLE);
  }

  /** Wakes without a grant the waiters whose `tag` is `tag` (say, the sends of one closed sender). */
  wakeTagged(tag: unknown): number {
    let n = 0;
    let w = this.#head;
    while (w !== null) {
      const next = w.next;
      if (w.tag === tag) {
        this.#unlink(w);
        w.state = IDLE;
        const waker = w.waker as Waker;
        w.waker = null;
        waker.wake();
        n++;
      }
      w = next;
    }
    return n;
  }

  /** Checks the links and the count; throws if the queue is corrupt (used by tests). */
  check(): void {
    let n = 0;
    let prev: Waiter | null = null;
    for (let w = this.#head; w !== null; prev = w, w = w.next) {
      if (w.state !== WAITING) throw new Error("WaitQueue: a linked waiter is not WAITING");
      if (w.prev !== prev) throw new Error("WaitQueue: broken back link");
      if (w.waker === null) throw new Error("WaitQueue: a waiting waiter has no waker");
      if (++n > this.#length) throw new Error("WaitQueue: more links than its length");
    }
    if (prev !== this.#tail) throw new Error("WaitQueue: tail is not the last waiter");
    if (n !== this.#length) throw new Error("WaitQueue: length does not match the links");
  }

  #drain(state: WaiterState): number {
    // Detach the whole line first, so wakers see a consistent (empty) queue.
    let w = this.#head;
    const n = this.#length;
    this.#head = null;
    this.#tail = null;
    this.#length = 0;
    while (w !== null) {
      const next = w.next;
      w.prev = null;
      w.next = null;
      w.state = state;
      const waker = w.waker as Waker;
      w.waker = null;
      waker.wake();
      w = next;
    }
    return n;
  }

  #unlink(w: Waiter): void {
    const prev = w.prev;
    const next = w.next;
    if (prev === null) this.#head = next;
    else prev.next = next;
    if (next === null) this.#tail = prev;
    else next.prev = prev;
    w.prev = null;
    w.next = null;
    this.#length--;
  }
}
