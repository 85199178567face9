/**
 * The timer future: what `sleep`, `sleepUntil`, `interval` and `timeout` wait
 * on. It is also the node the timer wheel links, so a sleeping task costs one
 * small object here and nothing else.
 *
 * States, encoded in `when`:
 *   new, relative   when < 0 and finite: a duration, stored as -(ms) - 1
 *   new, absolute   when >= 0: a deadline on the runtime's clock
 *   filed           prevT !== null: `when` is the wheel tick, `waker` set
 *   fired           when === FIRED
 * The deadline of a relative timer is fixed at its first poll, on the clock of
 * the runtime that polls it (so the same code works under virtual time).
 * `asked` keeps what the caller asked for, only for listings ("sleep 250 ms
 * (120 ms left)"): `when` loses it once the timer is filed.
 */
import { cur } from "./current.js";
import type { Context, Pending, Waker } from "./future.js";
import { FutureBase, PENDING } from "./future.js";
import type { Runtime } from "./runtime.js";
import { type TimerNode, unfile } from "./timer-wheel.js";

const FIRED = Number.NEGATIVE_INFINITY;

export class Timer extends FutureBase<void> implements TimerNode {
  when: number;
  waker: Waker | null = null;
  prevT: TimerNode | null = null;
  nextT: TimerNode | null = null;
  /** The duration asked for (>= 0), or -(deadline) - 1 for `Timer.at`. Never changes. */
  readonly asked: number;

  private constructor(when: number) {
    super();
    this.when = when;
    this.asked = -when - 1;
  }

  /** A timer that completes `ms` milliseconds after its first poll. */
  static after(ms: number): Timer {
    return new Timer(-ms - 1);
  }

  /** A timer that completes at `at` on the runtime's clock (`now()`). */
  static at(at: number): Timer {
    return new Timer(Math.max(0, at));
  }

  poll(cx: Context): undefined | Pending {
    if (this.prevT !== null) {
      this.waker = cx.waker;
      return PENDING;
    }
    const when = this.when;
    if (when === FIRED) return undefined;
    const rt = cur.rt as Runtime;
    const deadline = when < 0 ? rt.now() + (-when - 1) : when;
    this.waker = cx.waker;
    if (!rt._fileTimer(this, deadline)) {
      // Already due: still suspend once, to the back of the queue, then be ready.
      this.when = FIRED;
      this.waker = null;
      cx.waker.wake();
    }
    return PENDING;
  }

  cancel(): void {
    unfile(this);
    this.waker = null;
  }

  fire(): void {
    this.when = FIRED;
    const waker = this.waker;
    this.waker = null;
    waker?.wake();
  }

  /** Milliseconds left before the deadline on `rt`'s clock, or null if not filed. */
  remaining(tickNow: number): number | null {
    return this.prevT === null ? null : Math.max(0, this.when - tickNow);
  }

  /** What it waits on, with the time left when `tickNow` is the wheel's clock (`rt._tickNow()`). */
  describeAt(tickNow: number): string {
    const a = this.asked;
    const what = a >= 0 ? `sleep ${fmt(a)} ms` : `sleep until ${fmt(-a - 1)} ms`;
    if (this.prevT !== null)
      return `${what} (${Math.max(0, Math.round(this.when - tickNow))} ms left)`;
    return this.when === FIRED ? `${what} (elapsed)` : `${what} (not started)`;
  }

  override describe(): string {
    const rt = cur.rt;
    if (rt !== null) return this.describeAt(rt._tickNow());
    const a = this.asked;
    return a >= 0 ? `sleep ${fmt(a)} ms` : `sleep until ${fmt(-a - 1)} ms`;
  }
}

/** Whole milliseconds as they are; fractions to 0.1 ms. */
function fmt(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
