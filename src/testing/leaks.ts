/**
 * The leak check of `runTest` (and `simulate`, which runs on the same
 * machinery): once a run's body and every task it started have ended, what is
 * still open is a leak — sockets, listeners, files, child processes, signal
 * streams (the runtime's resource registry, core/resources.ts), worker jobs
 * (worker/jobs.ts) and timers still filed on the wheel — each named with the
 * line of user code that asked for it.
 */
import type { Runtime } from "../core/runtime.js";
import { findLeaks, type Leak, leakLine } from "../trace/leaks.js";

export type { Leak } from "../trace/leaks.js";
export { findLeaks } from "../trace/leaks.js";

/**
 * What a test left open: thrown by `runTest` (and `simulate`) when resources
 * are still open once the body and every task it started have ended. `leaks`
 * lists each with the line that created it; the message names the seed when
 * the run had one. Pass `{allowLeaks: true}` to opt out.
 */
export class LeakError extends Error {
  override name = "LeakError";
  readonly leaks: readonly Leak[];
  /** The run's seed, if it had one. */
  readonly seed: number | undefined;

  constructor(leaks: readonly Leak[], seed?: number) {
    const n = leaks.length;
    const lines = leaks.map((l) => `  ${leakLine(l)}`);
    super(
      `${n} ${n === 1 ? "resource was" : "resources were"} still open when the test ended` +
        `${seed === undefined ? "" : ` (seed ${seed})`}:\n${lines.join("\n")}\n` +
        "Close each one (or declare it with `using`), or pass {allowLeaks: true} if that is intended.",
    );
    this.leaks = leaks;
    this.seed = seed;
  }
}

/**
 * Throws a `LeakError` if `runtime` has anything still open (see `findLeaks`);
 * `seed` goes into the message. Call it after the run has ended.
 */
export function checkLeaks(runtime: Runtime, options: { seed?: number } = {}): void {
  const leaks = findLeaks(runtime);
  if (leaks.length > 0) throw new LeakError(leaks, options.seed);
}
