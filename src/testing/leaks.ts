/**
 * The leak check of `runTest` (and `simulate`, which runs on the same
 * machinery): once a run's body and every task it started have ended, what is
 * still open is a leak — sockets, listeners, files, child processes, signal
 * streams (the runtime's resource registry, core/resources.ts), worker jobs
 * (worker/jobs.ts) and timers still filed on the wheel — each named with the
 * line of user code that asked for it.
 */
import type { ResourceKind } from "../core/resources.js";
import type { Runtime } from "../core/runtime.js";
import { type Timer, timerOrigin } from "../core/timer.js";
import { userFrame } from "../trace/stack.js";
import { pendingJobs } from "../worker/jobs.js";

/** One thing left open, as a `LeakError` lists it. */
export interface Leak {
  kind: ResourceKind;
  /** What it is: "TcpListener(127.0.0.1:4000)", "sleep 100 ms (40 ms left)". */
  description: string;
  /** Where user code asked for it (`file:line:column`), or null if unknown. */
  at: string | null;
}

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
    const lines = leaks.map(
      (l) => `  ${l.kind} ${l.description}, opened at ${l.at ?? "an unknown line"}`,
    );
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
 * What `runtime` has still open, oldest first within each kind. Meaningful
 * once its run has ended, on a runtime built with `trackResources` (without
 * it only timers and worker jobs are found, without their lines).
 */
export function findLeaks(runtime: Runtime): Leak[] {
  const leaks: Leak[] = [];
  for (const entry of runtime._resources ?? []) {
    leaks.push({ kind: entry.kind, description: entry.describe(), at: userFrame(entry.site) });
  }
  for (const job of pendingJobs(runtime)) {
    leaks.push({ kind: "worker job", description: job.describe(), at: userFrame(job.site) });
  }
  const tickNow = runtime._tickNow();
  // Every node filed on the wheel is a Timer (the wheel's only other nodes are its sentinels).
  for (const node of runtime._filedTimers()) {
    const { what, site } = timerOrigin(node as Timer, tickNow);
    leaks.push({ kind: "timer", description: what, at: userFrame(site) });
  }
  return leaks;
}

/**
 * Throws a `LeakError` if `runtime` has anything still open (see `findLeaks`);
 * `seed` goes into the message. Call it after the run has ended.
 */
export function checkLeaks(runtime: Runtime, options: { seed?: number } = {}): void {
  const leaks = findLeaks(runtime);
  if (leaks.length > 0) throw new LeakError(leaks, options.seed);
}
