/**
 * What a run left open, named with the line that opened each: read from the
 * runtime's open-resource registry (core/resources.ts), the pending worker
 * jobs (worker/jobs.ts) and the timers still filed on its wheel. `runTest`'s
 * `LeakError` (src/testing/leaks.ts) and debug mode's end-of-run report both
 * list what this finds.
 */
import type { ResourceKind } from "../core/resources.js";
import type { Runtime } from "../core/runtime.js";
import type { Timer } from "../core/timer.js";
import { pendingJobs } from "../worker/jobs.js";
import { creationSite } from "./debug.js";
import { userFrame } from "./stack.js";

/** One thing left open, as a `LeakError` lists it. */
export interface Leak {
  kind: ResourceKind;
  /** What it is: "TcpListener(127.0.0.1:4000)", "sleep 100 ms (40 ms left)". */
  description: string;
  /**
   * Where user code asked for it (`file:line:column`), or null if unknown. For
   * a timer, known in debug mode only (`{debug: true}`).
   */
  at: string | null;
}

/**
 * What `runtime` has still open: registered resources (oldest first), worker
 * jobs, then filed timers. Meaningful once its run has ended. Without a
 * registry (a runtime not under `runTest` or debug mode) only jobs and timers
 * are found, without their lines.
 */
export function findLeaks(runtime: Runtime): Leak[] {
  const leaks: Leak[] = [];
  for (const entry of runtime._resources ?? []) {
    leaks.push({ kind: entry.kind, description: entry.describe(), at: userFrame(entry.site) });
  }
  for (const job of pendingJobs(runtime)) {
    leaks.push({ kind: "worker job", description: job.describe(), at: userFrame(job.site) });
  }
  // Every node filed on the wheel is a Timer (the wheel's only other nodes are
  // its sentinels). A test makes timers by the thousand, and a stack capture
  // per sleep would make a sleep several times dearer, so a timer's line is the
  // one debug mode records for every future `sleep()` creates (`trackCreation`).
  const now = runtime.now();
  for (const node of runtime._filedTimers()) {
    const timer = node as Timer;
    leaks.push({
      kind: "timer",
      description: timer.describeAt(now),
      at: userFrame(creationSite(timer)),
    });
  }
  return leaks;
}

/** One leak as a report line: `listener TcpListener(127.0.0.1:4000), opened at test/x.test.ts:5:36`. */
export function leakLine(leak: Leak): string {
  const at =
    leak.at !== null
      ? leak.at
      : leak.kind === "timer"
        ? "a line debug mode records ({debug: true})"
        : "an unknown line";
  return `${leak.kind} ${leak.description}, opened at ${at}`;
}
