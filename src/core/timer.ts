/**
 * The timer future: what `sleep`, `sleepUntil`, `interval` and `timeout` wait
 * on. It is also the node the timer wheel links, so a sleeping task costs one
 * small object here (four fields: 56 bytes) and nothing else.
 *
 * States:
 *   new, relative   when < 0: a duration, stored as -(ms) - 1
 *   new, absolute   when >= 0: a deadline on the runtime's clock
 *   filed           prevT !== null: `when` is the deadline in whole ms, `waker` set
 *   fired           not filed, waker === FIRED: `when` still holds the deadline
 * The deadline of a relative timer is fixed at its first poll, on the clock of
 * the runtime that polls it (so the same code works under virtual time).
 * `when` is always on the runtime's clock (the wheel's ticks are whole ms of
 * that clock), so a sleep's deadline needs no field of its own: it is `when`
 * once known, filed, fired or moved.
 */
import { cur } from "./current.js";
import type { Context, Pending, Waker } from "./future.js";
import { FutureBase, PENDING } from "./future.js";
import type { Runtime } from "./runtime.js";
import { type TimerNode, unfile } from "./timer-wheel.js";

/**
 * The waker of a fired timer: marks the state without a field of its own (the
 * deadline stays in `when`, for `Sleep.deadline` and `reset`). Waking it does nothing.
 */
const FIRED: Waker = Object.freeze({ wake(): void {} });

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
    if (this.waker === FIRED) return undefined;
    const rt = cur.rt as Runtime;
    const when = this.when;
    this.waker = cx.waker;
    let filed: boolean;
    if (when >= 0) {
      filed = rt._fileTimerAt(this, when); // a known deadline: one clock read per sleep, not two
    } else {
      const now = rt.now();
      this.when = now + (-when - 1);
      filed = rt._fileTimer(this, this.when, now);
    }
    if (!filed) {
      // Already due: still suspend once, to the back of the queue, then be ready.
      this.waker = FIRED;
      cx.waker.wake();
    }
    return PENDING;
  }

  cancel(): void {
    unfile(this);
    this.waker = null;
  }

  fire(): void {
    const waker = this.waker;
    this.waker = FIRED;
    waker?.wake();
  }

  /** Milliseconds left before the deadline when the runtime's clock reads `now`, or null if not filed. */
  remaining(now: number): number | null {
    return this.prevT === null ? null : Math.max(0, this.when - now);
  }

  /** What it waits on, with the time left when the runtime's clock reads `now`. */
  describeAt(now: number): string {
    const what = describeRequest(askedOf(this));
    if (this.prevT !== null) return `${what} (${Math.max(0, Math.round(this.when - now))} ms left)`;
    return this.waker === FIRED ? `${what} (elapsed)` : `${what} (not started)`;
  }

  override describe(): string {
    const rt = cur.rt;
    if (rt !== null) return this.describeAt(rt.now());
    return describeRequest(askedOf(this));
  }
}

/**
 * `sleep(ms)`'s timer (ms > 0): it knows its absolute deadline and can be
 * moved (Tokio's `Sleep::reset`). The deadline is `when` (whole ms) once
 * known: a subclass for the methods only, no field.
 */
export class SleepTimer extends Timer {
  /** A timer `ms` from now: its deadline fixed now inside a runtime, else at its first poll. */
  static sleep(ms: number): SleepTimer {
    const rt = cur.rt;
    if (rt === null) return new SleepTimer(-ms - 1);
    // Whole ms: a small integer, which V8 stores in the field unboxed.
    const t = new SleepTimer(Math.ceil(rt.now() + ms));
    if (timerRequests.keep) requests.set(t, ms);
    return t;
  }

  override poll(cx: Context): undefined | Pending {
    const when = this.when;
    // Made outside a runtime, first poll: the deadline is fixed now, in whole ms.
    if (when < 0) this.when = Math.ceil((cur.rt as Runtime).now() + (-when - 1));
    return super.poll(cx);
  }

  /** See `Sleep.deadline` (src/time/sleep.ts). */
  get deadline(): number {
    return this.when < 0 ? Number.NaN : this.when;
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
    this.when = Math.ceil(at);
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
  if (timer.prevT === null && timer.waker !== FIRED) return -when - 1; // not filed yet: `when` says
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
