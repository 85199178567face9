/**
 * `retry`: run a body again after it fails, waiting longer each time
 * (exponential backoff with jitter, on the runtime clock).
 *
 * Each attempt runs in the calling task, one after the other; the waits are
 * `sleep`s, so under `runTest` they take no real time and, with a `seed`, the
 * jitter is the same on every run (it is drawn from the runtime's seeded
 * stream, `Runtime._random`).
 */
import type { Body } from "../core/body.js";
import { toCoroutine } from "../core/body.js";
import { delegate } from "../core/cleanup.js";
import { cur } from "../core/current.js";
import { isInstance } from "../core/describe-thrown.js";
import { CancelledError } from "../core/errors.js";
import type { Coroutine, Future } from "../core/future.js";
import type { Runtime } from "../core/runtime.js";
import { requireTask } from "../core/spawn.js";
import { sleep } from "../time/sleep.js";

/** How long to wait between attempts: the n-th wait is `min(initialMs·factor^(n−1), maxMs)`, ± jitter. */
export interface Backoff {
  /** The first wait, in ms. @default 100 */
  initialMs?: number;
  /** The longest wait before jitter, in ms. @default 10000 */
  maxMs?: number;
  /** Each wait is this many times the one before. @default 2 */
  factor?: number;
  /** Spread each wait by up to ± this fraction of it (0 = exact). @default 0.1 */
  jitter?: number;
}

/** Options for `retry`: how many attempts, the waits between them, and which errors are worth another try. */
export interface RetryOptions {
  /** How many tries in all, the first included (a whole number ≥ 1, or Infinity). */
  attempts: number;
  /** The waits between attempts. @default {initialMs: 100, maxMs: 10000, factor: 2, jitter: 0.1} */
  backoff?: Backoff;
  /** Called with each failure: `false` rethrows it at once, without further attempts. */
  retryIf?: (error: unknown) => boolean;
}

const DEFAULT_BACKOFF: Required<Backoff> = {
  initialMs: 100,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.1,
};

/**
 * Runs `body` (a function returning a coroutine or a future: each attempt
 * calls it afresh) until it returns, at most `attempts` times, waiting
 * between attempts as `backoff` says. Returns the first value.
 *
 * Cancellation: a cancel during an attempt or a wait ends `retry` at once (the
 * attempt's cleanup runs); a `CancelledError` is never retried.
 *
 * Throws: the last attempt's error; at once, an error for which `retryIf`
 * returned `false`; RangeError for `attempts` < 1 or a bad backoff value.
 *
 * @example
 * let calls = 0;
 * const value = yield* retry(
 *   function* () {
 *     if (++calls < 3) throw new Error("busy");
 *     return calls;
 *   },
 *   { attempts: 5, backoff: { initialMs: 200 } },
 * ); // 3, after waits of about 200 ms and 400 ms (± 10% jitter)
 */
export function* retry<T>(
  body: () => Coroutine<T> | Future<T>,
  options: RetryOptions,
): Coroutine<T> {
  const task = requireTask("retry()");
  if (typeof body !== "function")
    throw new TypeError(
      "retry(body, options): body must be a function returning a coroutine or a future, called once per attempt",
    );
  const { attempts, retryIf } = options ?? ({} as RetryOptions);
  if (
    typeof attempts !== "number" ||
    !(attempts >= 1) ||
    !(Number.isInteger(attempts) || attempts === Infinity)
  )
    throw new RangeError(`retry(): attempts must be a whole number ≥ 1, got ${String(attempts)}`);
  if (retryIf !== undefined && typeof retryIf !== "function")
    throw new TypeError("retry(): retryIf must be a function (error) => boolean");
  const backoff = checkBackoff({ ...DEFAULT_BACKOFF, ...options?.backoff });
  for (let attempt = 1; ; attempt++) {
    try {
      return yield* delegate(toCoroutine(body as Body<T>, "retry(body)"));
    } catch (error) {
      // A cancellation (ours, or a cancelled task's error surfacing here) is final.
      if (task._cancelRequested || isInstance(error, CancelledError)) throw error;
      if (attempt >= attempts || retryIf?.(error) === false) throw error;
    }
    yield* sleep(delayBefore(attempt, backoff, cur.rt as Runtime));
  }
}

/** The wait after failed attempt `n`: `min(initialMs·factor^(n−1), maxMs)`, spread by ± jitter. */
function delayBefore(n: number, b: Required<Backoff>, rt: Runtime): number {
  const base = Math.min(b.initialMs * b.factor ** (n - 1), b.maxMs);
  if (b.jitter === 0) return base;
  return Math.max(0, base * (1 + b.jitter * (2 * rt._random() - 1)));
}

function checkBackoff(b: Required<Backoff>): Required<Backoff> {
  const bad = (what: string, v: unknown): never => {
    throw new RangeError(`retry(): backoff.${what}, got ${String(v)}`);
  };
  if (typeof b.initialMs !== "number" || !(b.initialMs >= 0) || b.initialMs === Infinity)
    bad("initialMs must be a finite number ≥ 0", b.initialMs);
  if (typeof b.maxMs !== "number" || !(b.maxMs >= 0)) bad("maxMs must be a number ≥ 0", b.maxMs);
  if (typeof b.factor !== "number" || !(b.factor >= 1) || b.factor === Infinity)
    bad("factor must be a finite number ≥ 1", b.factor);
  if (typeof b.jitter !== "number" || !(b.jitter >= 0 && b.jitter <= 1))
    bad("jitter must be a fraction from 0 to 1", b.jitter);
  return b;
}
