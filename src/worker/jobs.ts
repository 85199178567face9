/**
 * The registry of pending worker jobs: every job submitted to a pool whose
 * caller has not resumed yet, from its first poll until its outcome arrived
 * or its thread is gone. Task listings show a job through its future's
 * `describe()`; this registry is for what must find jobs without a task in
 * hand (a test runner naming jobs still open when its body ended).
 */
import type { Runtime } from "../core/runtime.js";

/** One pending job, as the registry shows it. */
export interface PendingJob {
  /** The module's `file:` URL. */
  readonly module: string;
  readonly exportName: string;
  /** The runtime whose task waits on the job (null outside a runtime). */
  readonly runtime: Runtime | null;
  /**
   * The stack where user code asked for the job (`runInWorker(...)`), captured
   * only on a runtime that checks for leaks (`runTest`); else null.
   */
  readonly site: Error | null;
  /** "worker job sha256 in hash.js" */
  describe(): string;
}

const pending = new Set<PendingJob>();

/** @internal */
export function addPendingJob(job: PendingJob): void {
  pending.add(job);
}

/** @internal */
export function removePendingJob(job: PendingJob): void {
  pending.delete(job);
}

/** The jobs pending now, oldest first; `runtime` narrows to one runtime's. */
export function pendingJobs(runtime?: Runtime): PendingJob[] {
  const all = [...pending];
  return runtime === undefined ? all : all.filter((job) => job.runtime === runtime);
}
