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

/**
 * What each timer was asked for (a duration >= 0, or -(deadline) - 1), for
 * listings ("sleep 250 ms (120 ms left)"): a filed timer's `when` no longer
 * says. Kept only while `timerRequests.keep` (set by the observability layer
 * when a runtime records statistics, traces or debugs): a field would cost
 * every sleeping task 8 more bytes. Without it a listing says "sleep (120 ms left)".
 */
const requests = new WeakMap<Timer, number>();

/** @internal Whether new timers remember what they were asked for (see `requests`). */
export const timerRequests = { keep: false };

export class Timer extends FutureBase<void> implements TimerNode {
  when: number;
  waker: Waker | null = null;
  prevT: TimerNode | null = null;
  nextT: TimerNode | null = null;
  protected constructor(when: number) {
    super();
    this.when = when;
    if (timerRequests.keep) requests.set(this, -when - 1);
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
    const now = rt.now();
    const deadline = when < 0 ? now + (-when - 1) : when;
    this.waker = cx.waker;
    if (!rt._fileTimer(this, deadline, now)) {
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
    const what = describeRequest(askedOf(this));
    if (this.prevT !== null)
      return `${what} (${Math.max(0, Math.round(this.when - tickNow))} ms left)`;
    return this.when === FIRED ? `${what} (elapsed)` : `${what} (not started)`;
  }

  override describe(): string {
    const rt = cur.rt;
    if (rt !== null) return this.describeAt(rt._tickNow());
    return describeRequest(askedOf(this));
  }
}

/**
 * `sleep(ms)`'s timer (ms > 0): it knows its absolute deadline and can be
 * moved (Tokio's `Sleep::reset`). A subclass so that the timers of
 * `interval`, `sleepUntil` and `timeout` do not carry the extra field.
 * `when` stays equal to `at` while the timer is neither filed nor fired.
 */
export class SleepTimer extends Timer {
  /** The absolute deadline in whole ms; -1 until known (made outside a runtime, not polled yet). An integer, so V8 stores it unboxed. */
  at: number;

  private constructor(when: number, at: number) {
    super(when);
    this.at = at;
  }

  /** A timer `ms` from now: its deadline fixed now inside a runtime, else at its first poll. */
  static sleep(ms: number): SleepTimer {
    const rt = cur.rt;
    if (rt === null) return new SleepTimer(-ms - 1, -1);
    const at = Math.ceil(rt.now() + ms); // whole ms: a small integer, stored unboxed
    const t = new SleepTimer(at, at);
    if (timerRequests.keep) requests.set(t, ms);
    return t;
  }

  override poll(cx: Context): undefined | Pending {
    if (this.at < 0) {
      // Made outside a runtime, first poll: the deadline is fixed now.
      this.at = Math.ceil((cur.rt as Runtime).now() + (-this.when - 1));
      this.when = this.at;
    }
    return super.poll(cx);
  }

  /** See `Sleep.deadline` (src/time/sleep.ts). */
  get deadline(): number {
    return this.at < 0 ? Number.NaN : this.at;
  }

  /** Moves the deadline to `at`, re-arming a timer that already fired; a waiting task is woken to re-file it. */
  reset(at: number): void {
    if (typeof at !== "number" || !Number.isFinite(at) || at < 0) {
      throw new RangeError(
        `Sleep.reset(deadline): expected a finite deadline >= 0 in ms on now()'s clock, got ${String(at)}`,
      );
    }
    const waker = this.waker;
    unfile(this);
    this.waker = null;
    this.at = Math.ceil(at);
    this.when = this.at;
    if (timerRequests.keep) requests.set(this, -at - 1);
    waker?.wake();
  }
}

/**
 * What `timer` was asked for (see `requests`), if known. (A function, not a
 * private method: a class with private methods gives every instance a brand
 * field, 8 bytes per sleeping task.)
 */
function askedOf(timer: Timer): number | undefined {
  const asked = requests.get(timer); // first: a sleep's `when` is its deadline, not what was asked
  if (asked !== undefined) return asked;
  const when = timer.when;
  if (timer.prevT === null && when !== FIRED) return -when - 1; // not filed yet: `when` says
  return undefined;
}

function describeRequest(asked: number | undefined): string {
  if (asked === undefined) return "sleep";
  return asked >= 0 ? `sleep ${fmt(asked)} ms` : `sleep until ${fmt(-asked - 1)} ms`;
}

/** Whole milliseconds as they are; fractions to 0.1 ms. */
function fmt(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
