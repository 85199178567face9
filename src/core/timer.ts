/**
 * The timer future: what `sleep`, `sleepUntil`, `interval` and `timeout` wait
 * on. It is also the node the timer wheel links, so a sleeping task costs one
 * small object here and nothing else.
 *
 * States, encoded in `when` (to keep the object at four fields):
 *   new, relative   when < 0 and finite: a duration, stored as -(ms) - 1
 *   new, absolute   when >= 0: a deadline on the runtime's clock
 *   filed           prevT !== null: `when` is the wheel tick, `waker` set
 *   fired           when === FIRED
 * The deadline of a relative timer is fixed at its first poll, on the clock of
 * the runtime that polls it (so the same code works under virtual time).
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

  private constructor(when: number) {
    super();
    this.when = when;
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

  override describe(): string {
    if (this.prevT !== null) return "sleep";
    return this.when === FIRED ? "sleep (elapsed)" : "sleep (not started)";
  }
}
