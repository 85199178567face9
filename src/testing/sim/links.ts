/**
 * Links: what the simulated network does between two hosts — one-way delay,
 * partitions, UDP loss — and the queue of packets in flight on each
 * direction.
 *
 * The model
 * ---------
 * Every packet (a TCP segment, FIN, RST, SYN or a UDP datagram) travels on the
 * link from its sender's host to its receiver's host, a FIFO queue with an
 * arrival time per packet. Arrival times never go backwards on a link (a later
 * packet that drew a shorter delay waits behind the earlier one), so a TCP
 * stream keeps its order whatever the latency. A link is drained by a small
 * task (started with its first packet) that sleeps on the runtime's clock
 * until the head is due and delivers every due packet in order. While the
 * link is empty or partitioned the task parks on a wait that only a new
 * packet or a repair ends, a wait local to the runtime: an idle network holds
 * no timers, and a simulation whose tasks only wait on each other (or on a
 * partition nobody repairs) is reported as a deadlock.
 *
 * A partitioned link holds its TCP packets (delivered in order after
 * `repair`) and drops its datagrams. A link from a host to itself (loopback)
 * has no delay and cannot be partitioned.
 */
import { cur } from "../../core/current.js";
import type { Context, Coroutine, Pending, Waker } from "../../core/future.js";
import { FutureBase, PENDING } from "../../core/future.js";
import type { Runtime } from "../../core/runtime.js";
import { sleepUntil } from "../../time/sleep.js";

/** A delay drawn uniformly from `[min, max]` milliseconds. */
export interface DelayRange {
  min: number;
  max: number;
}

export interface Packet {
  /** When it arrives (runtime clock ms). */
  at: number;
  /** UDP datagrams are dropped, not held, by a partition. */
  datagram: boolean;
  /** For the event log: "data 5", "fin", "syn :80". */
  what: string;
  deliver(): void;
}

/** What a link's task waits on while it has nothing to deliver: a kick. */
class Idle extends FutureBase<void> {
  #kicked = false;
  #waker: Waker | null = null;
  poll(cx: Context): undefined | Pending {
    if (this.#kicked) return undefined;
    this.#waker = cx.waker;
    return PENDING;
  }
  kick(): void {
    this.#kicked = true;
    const w = this.#waker;
    this.#waker = null;
    w?.wake();
  }
  cancel(): void {
    this.#waker = null;
  }
  /** Only a task of this runtime (a send, a repair) ends the wait. */
  isLocalTo(): boolean {
    return true;
  }
  override describe(): string {
    return "sim link: nothing in flight";
  }
}

/** One direction between two hosts. */
class Link {
  readonly queue: Packet[] = [];
  /** Invariant: true exactly while a pump task for this link is alive. */
  pumping = false;
  /** Non-null exactly while the pump task is parked with nothing to deliver. */
  idle: Idle | null = null;
  lastAt = 0;
  constructor(
    readonly from: string,
    readonly to: string,
  ) {}
}

/** A small seedable PRNG (mulberry32), the network's own: delays and loss. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

export class Links {
  readonly #rt: Runtime;
  readonly #random: () => number;
  readonly #links = new Map<string, Link>();
  readonly #partitions = new Set<string>();
  #defaultDelay: DelayRange = { min: 0, max: 0 };
  readonly #hostDelay = new Map<string, DelayRange>();
  readonly #pairDelay = new Map<string, DelayRange>();
  #loss = 0;
  readonly #hostLoss = new Map<string, number>();
  readonly #pairLoss = new Map<string, number>();
  /** Every delivery and drop, in order: the run's trace, for replay checks. */
  readonly events: string[] = [];

  constructor(rt: Runtime, random: () => number) {
    this.#rt = rt;
    this.#random = random;
  }

  setDelay(delay: DelayRange, a?: string, b?: string): void {
    if (a === undefined) this.#defaultDelay = delay;
    else if (b === undefined) this.#hostDelay.set(a, delay);
    else {
      this.#pairDelay.set(`${a}>${b}`, delay);
      this.#pairDelay.set(`${b}>${a}`, delay);
    }
  }

  setLoss(rate: number, a?: string, b?: string): void {
    if (a === undefined) this.#loss = rate;
    else if (b === undefined) this.#hostLoss.set(a, rate);
    else this.#pairLoss.set(pairKey(a, b), rate);
  }

  partition(a: string, b: string): void {
    this.#partitions.add(pairKey(a, b));
    // Datagrams in flight are lost; TCP packets wait in their queues.
    for (const link of [this.#links.get(`${a}>${b}`), this.#links.get(`${b}>${a}`)]) {
      if (link === undefined) continue;
      const kept = link.queue.filter((p) => !p.datagram);
      for (const p of link.queue) if (p.datagram) this.#log(link, p, "dropped (partition)");
      link.queue.splice(0, link.queue.length, ...kept);
    }
  }

  repair(a: string, b: string): void {
    this.#partitions.delete(pairKey(a, b));
    const forward = this.#links.get(`${a}>${b}`);
    const back = this.#links.get(`${b}>${a}`);
    // Held packets are due now at the earliest: the delay they waited counts.
    if (forward !== undefined) this.#kick(forward);
    if (back !== undefined) this.#kick(back);
  }

  /** `host` crashed: what it sent that partitions hold is lost (nobody retransmits it). */
  dropHeldFrom(host: string): void {
    for (const link of this.#links.values()) {
      if (link.from !== host || !this.partitioned(link.from, link.to)) continue;
      for (const p of link.queue) this.#log(link, p, "lost (sender crashed)");
      link.queue.length = 0;
    }
  }

  partitioned(a: string, b: string): boolean {
    return a !== b && this.#partitions.has(pairKey(a, b));
  }

  /** Whether a datagram from `a` to `b` is lost (a partition, or a draw under the loss rate). */
  lost(a: string, b: string): boolean {
    if (a === b) return false;
    if (this.partitioned(a, b)) return true;
    const rate =
      this.#pairLoss.get(pairKey(a, b)) ??
      this.#hostLoss.get(a) ??
      this.#hostLoss.get(b) ??
      this.#loss;
    return rate > 0 && this.#random() < rate;
  }

  /** Puts `packet` (without `at`) on the link `from → to`. */
  send(from: string, to: string, packet: Omit<Packet, "at">): void {
    const key = `${from}>${to}`;
    let link = this.#links.get(key);
    if (link === undefined) {
      link = new Link(from, to);
      this.#links.set(key, link);
    }
    const at = Math.max(this.#rt.now() + this.#delay(from, to), link.lastAt);
    link.lastAt = at;
    link.queue.push({ ...packet, at });
    this.#kick(link);
  }

  #delay(from: string, to: string): number {
    if (from === to) return 0;
    const d =
      this.#pairDelay.get(`${from}>${to}`) ??
      this.#hostDelay.get(from) ??
      this.#hostDelay.get(to) ??
      this.#defaultDelay;
    if (d.max === d.min) return d.min;
    return d.min + this.#random() * (d.max - d.min);
  }

  #kick(link: Link): void {
    if (link.queue.length === 0 || this.partitioned(link.from, link.to)) return;
    if (link.idle !== null) {
      link.idle.kick();
      link.idle = null;
      return;
    }
    if (link.pumping) return;
    link.pumping = true;
    this.#rt.spawn(() => this.#pump(link), { name: `sim link ${link.from}→${link.to}` });
  }

  /** The link's task: sleep until the head is due, deliver what is due, in order. */
  *#pump(link: Link): Coroutine<void> {
    try {
      for (;;) {
        if (link.queue.length === 0 || this.partitioned(link.from, link.to)) {
          link.idle = new Idle();
          yield* link.idle;
          continue;
        }
        // Even a packet due now waits one turn: the seeded scheduler decides
        // whether it arrives before or after what other tasks do meanwhile.
        yield* sleepUntil((link.queue[0] as Packet).at);
        const now = this.#rt.now();
        while (link.queue.length > 0 && (link.queue[0] as Packet).at <= now) {
          if (this.partitioned(link.from, link.to)) break;
          const p = link.queue.shift() as Packet;
          this.#log(link, p, "");
          p.deliver();
        }
      }
    } finally {
      link.pumping = false;
      link.idle = null;
    }
  }

  #log(link: Link, p: Packet, note: string): void {
    const t = Math.round(this.#rt.now() * 1000) / 1000;
    this.events.push(`${t} ${link.from}>${link.to} ${p.what}${note === "" ? "" : ` ${note}`}`);
  }

  /** Records an event that did not travel (a UDP drop at send, a crash). */
  note(text: string): void {
    const t = Math.round(this.#rt.now() * 1000) / 1000;
    this.events.push(`${t} ${text}`);
  }
}

/** The runtime running the current task (simulate's body runs inside one). */
export function currentRuntime(what: string): Runtime {
  const rt = cur.rt;
  if (rt === null || cur.task === null) throw new Error(`${what} must be called inside a task`);
  return rt;
}
