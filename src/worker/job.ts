/**
 * One job on a pool, as the waiting task sees it: a leaf future that submits
 * the job at its first poll and completes with the job's outcome.
 *
 * States: NEW ──poll──▶ WAITING ──outcome──▶ SETTLED
 *                          └──cancel──▶ DROPPED
 *
 * While WAITING the job counts as outside work on the runtime that polled it
 * (no DeadlockError, no virtual-clock jump: the thread will answer by itself)
 * and sits in the pending-job registry. Cancelling aborts it through
 * piscina's signal: a queued job leaves the queue; a running one has its
 * thread terminated, and `threadExit` is then the promise of that thread's
 * exit, which `awaitJob` waits for before the caller resumes (piscina rejects
 * the job as soon as it calls `terminate()`, before the thread is gone).
 *
 * Invariant: `#rt` is non-null exactly while the job is counted as outside work.
 */

import type { Transferable } from "node:worker_threads";
import { call } from "../core/call.js";
import { withCleanup } from "../core/cleanup.js";
import { cur } from "../core/current.js";
import type { Context, Coroutine, Pending, Waker } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { openingSite } from "../core/resources.js";
import type { Runtime } from "../core/runtime.js";
import { JobSignal } from "./job-signal.js";
import { addPendingJob, type PendingJob, removePendingJob } from "./jobs.js";
import { explainFailure, unpackOutcome } from "./outcome.js";
import type { JobOutcome, JobRequest } from "./pool-thread.js";

/** What a job needs from its pool. */
export interface JobHost {
  /** Hands the job to piscina; throws at once if the pool is shut down. */
  _submit(
    request: JobRequest,
    transfer: readonly Transferable[],
    signal: JobSignal,
  ): Promise<JobOutcome>;
  /** Aborts a submitted job; returns its thread's exit when the job was running. */
  _abort(signal: JobSignal): Promise<void> | null;
}

const NEW = 0;
const WAITING = 1;
const SETTLED = 2;
const DROPPED = 3;

export class JobFuture extends FutureBase<unknown> implements PendingJob {
  readonly module: string;
  readonly exportName: string;
  /** The API that made the job, for messages: "runInWorker" or "WorkerPool.run". */
  readonly api: string;
  readonly site: Error | null = openingSite();
  #host: JobHost;
  #request: JobRequest | null;
  #transfer: readonly Transferable[];
  #state = NEW;
  #ok = false;
  #result: unknown = undefined;
  #waker: Waker | null = null;
  #signal: JobSignal | null = null;
  #rt: Runtime | null = null;
  #runtime: Runtime | null = null;
  /** Set by `cancel()` when a running job's thread is being terminated. */
  threadExit: Promise<void> | null = null;

  constructor(host: JobHost, api: string, request: JobRequest, transfer: readonly Transferable[]) {
    super();
    this.#host = host;
    this.api = api;
    this.module = request.module;
    this.exportName = request.exportName;
    this.#request = request;
    this.#transfer = transfer;
  }

  get runtime(): Runtime | null {
    return this.#runtime;
  }

  poll(cx: Context): unknown | Pending {
    if (this.#state === SETTLED) {
      if (this.#ok) return this.#result;
      throw this.#result;
    }
    this.#waker = cx.waker;
    if (this.#state === WAITING) return PENDING;
    const request = this.#request as JobRequest;
    this.#request = null;
    const signal = new JobSignal();
    const promise = this.#host._submit(request, this.#transfer, signal);
    this.#transfer = [];
    this.#signal = signal;
    this.#state = WAITING;
    this.#runtime = cur.rt;
    this.#rt = cur.rt;
    this.#rt?._externalStart();
    addPendingJob(this);
    promise.then(
      (outcome) => this.#settle(true, outcome),
      (error) => this.#settle(false, error),
    );
    return PENDING;
  }

  #settle(ok: boolean, value: unknown): void {
    if (this.#state !== WAITING) return;
    this.#state = SETTLED;
    try {
      this.#result = ok ? unpackOutcome(value as JobOutcome, this) : explainFailure(value, this);
      this.#ok = ok;
    } catch (error) {
      this.#result = error;
      this.#ok = false;
    }
    this.#stopCounting();
    removePendingJob(this);
    const waker = this.#waker;
    this.#waker = null;
    waker?.wake();
  }

  #stopCounting(): void {
    const rt = this.#rt;
    if (rt !== null) {
      this.#rt = null;
      rt._externalEnd();
    }
  }

  cancel(): void {
    this.#waker = null;
    if (this.#state !== WAITING) {
      this.#state = DROPPED;
      return;
    }
    this.#state = DROPPED;
    this.#stopCounting();
    const exit = this.#host._abort(this.#signal as JobSignal);
    if (exit === null) {
      removePendingJob(this);
    } else {
      // Still pending until its thread is gone: a leak check sees it until then.
      this.threadExit = exit.then(() => removePendingJob(this));
    }
  }

  override describe(): string {
    return `worker job ${this.exportName} in ${label(this.module)}`;
  }
}

function label(url: string): string {
  const slash = url.lastIndexOf("/");
  return decodeURIComponent(url.slice(slash + 1));
}

/**
 * Waits for a job; when the wait is cancelled while the job ran, waits for its
 * thread to be gone before the cancellation goes on.
 */
export function awaitJob<T>(job: JobFuture): Coroutine<T> {
  return withCleanup(job as FutureBase<T>, () => threadGone(job));
}

function* threadGone(job: JobFuture): Coroutine<void> {
  const exit = job.threadExit;
  if (exit !== null) yield* call(exit);
}
