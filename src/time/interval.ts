/** `interval`: ticks at a fixed period, with Tokio's three ways of catching up. */
import { cur } from "../core/current.js";
import type { Context, Future, Pending } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import type { Runtime } from "../core/runtime.js";
import { Timer } from "../core/timer.js";
import { checkDuration } from "./duration.js";

/**
 * What an interval does after a tick came late (the task was busy):
 * - `"burst"`: fire the missed ticks back to back until caught up (Tokio's default);
 * - `"delay"`: start a fresh period from the late tick;
 * - `"skip"`: drop the missed ticks and keep to the original schedule.
 */
export type MissedTick = "burst" | "delay" | "skip";

/** Options for `interval`. */
export interface IntervalOptions {
  /** @default "burst" */
  missedTick?: MissedTick;
}

/** A tick later than this (ms) counts as missed; as Tokio, to ignore scheduling jitter. */
const LATE_MS = 5;

/** Ticks every `period` ms; see `interval()`. */
export class Interval {
  readonly period: number;
  readonly missedTick: MissedTick;
  /** The deadline of the next tick, or null before the first (which is immediate). */
  #next: number | null = null;

  /** @internal Use `interval()`. */
  constructor(period: number, missedTick: MissedTick) {
    this.period = period;
    this.missedTick = missedTick;
  }

  /**
   * Waits for the next tick and returns its scheduled time (on `now()`'s clock).
   *
   * Cancellation: cancel-safe; a cancelled `tick()` consumed no tick.
   */
  tick(): Future<number> {
    return trackCreation(new Tick(this));
  }

  /**
   * Restarts the schedule: the next tick comes one period from now. Like
   * `resetAt`/`resetAfter`, it affects the next `tick()` (one already waiting
   * keeps its deadline); later ticks follow one period apart from there.
   */
  reset(): void {
    this.#next = clockNow() + this.period;
  }

  /**
   * The next tick comes at `t` on `now()`'s clock (Tokio's `reset_at`); a `t`
   * already past makes it due at once.
   *
   * Throws: RangeError unless `t` is a finite number >= 0.
   *
   * @example
   * const iv = interval(1000);
   * iv.resetAt(now() + 50); // first tick in 50 ms, then every 1000 ms
   * for (;;) { yield* iv.tick(); report(); }
   */
  resetAt(t: number): void {
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
      throw new RangeError(
        `Interval.resetAt(t): expected a finite deadline >= 0 in ms on now()'s clock, got ${String(t)}`,
      );
    }
    this.#next = t;
  }

  /**
   * The next tick comes `ms` milliseconds from now (Tokio's `reset_after`);
   * `resetAfter(0)` makes it due at once.
   *
   * Throws: RangeError for a negative or infinite `ms` (TypeError for NaN, as `sleep`).
   *
   * @example
   * const iv = interval(1000);
   * iv.resetAfter(10); // first tick in 10 ms, not at once
   * for (;;) { yield* iv.tick(); report(); }
   */
  resetAfter(ms: number): void {
    checkDuration(ms, "Interval.resetAfter(ms)");
    this.#next = clockNow() + ms;
  }

  /** @internal The deadline the next tick waits for. */
  _target(now: number): number {
    return this.#next ?? now;
  }

  /** @internal A tick scheduled for `target` fired at `now`: schedule the next. */
  _ticked(target: number, now: number): void {
    const period = this.period;
    if (now <= target + LATE_MS) {
      this.#next = target + period;
      return;
    }
    switch (this.missedTick) {
      case "burst":
        this.#next = target + period;
        break;
      case "delay":
        this.#next = now + period;
        break;
      case "skip":
        this.#next = now + period - ((now - target) % period);
        break;
    }
  }
}

function clockNow(): number {
  const rt = cur.rt;
  return rt === null ? performance.now() : rt.now();
}

class Tick extends FutureBase<number> {
  readonly #interval: Interval;
  #timer: Timer | null = null;
  #target = 0;

  constructor(interval: Interval) {
    super();
    this.#interval = interval;
  }

  poll(cx: Context): number | Pending {
    const rt = cur.rt as Runtime;
    if (this.#timer === null) {
      this.#target = this.#interval._target(rt.now());
      this.#timer = Timer.at(this.#target);
    }
    if (this.#timer.poll(cx) === PENDING) return PENDING;
    this.#interval._ticked(this.#target, rt.now());
    return this.#target;
  }

  cancel(): void {
    this.#timer?.cancel();
  }

  override describe(): string {
    const rt = cur.rt;
    const t = this.#timer;
    const left = rt === null || t === null ? null : t.remaining(rt.now());
    const every = `every ${this.#interval.period} ms`;
    return `interval tick (${left === null ? every : `${every}, ${Math.round(left)} ms left`})`;
  }
}

/**
 * A ticker: `yield* iv.tick()` returns at once the first time, then every
 * `period` ms. Late ticks follow `missedTick`.
 *
 * Throws: RangeError unless `period` is a finite number > 0.
 *
 * @example
 * const iv = interval(1000);
 * for (;;) { yield* iv.tick(); report(); }
 */
export function interval(period: number, options: IntervalOptions = {}): Interval {
  checkDuration(period, "interval(period)");
  if (period === 0) throw new RangeError("interval(period): the period must be greater than 0");
  const missedTick = options.missedTick ?? "burst";
  if (missedTick !== "burst" && missedTick !== "delay" && missedTick !== "skip") {
    throw new RangeError(
      `interval(): missedTick must be "burst", "delay" or "skip", got ${String(missedTick)}`,
    );
  }
  return new Interval(period, missedTick);
}
