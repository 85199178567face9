/**
 * `WorkerPool`: a pool of worker threads that run a module's exported
 * function, on piscina.
 *
 * What piscina does: threads, the queue, handing a job to a free thread,
 * replacing a thread that died, unref'ing idle threads (an idle pool never
 * keeps the process alive). What this file adds: piscina is created at the
 * first job (a pool nobody uses starts no thread); the pool's life
 * (OPEN → SHUTTING_DOWN → SHUT_DOWN, no job accepted after OPEN); and the exit
 * of each thread a cancelled job terminated, which piscina does not expose:
 * aborting a running job makes piscina emit `workerDestroy` synchronously,
 * inside `abort()`, so `_abort` finds that thread's `Worker` and waits for its
 * `exit` event.
 */
import { availableParallelism } from "node:os";
import type { ResourceLimits, Transferable } from "node:worker_threads";
import { Piscina } from "piscina";
import { call } from "../core/call.js";
import type { Coroutine } from "../core/future.js";
import { findUncloneable } from "./clone-check.js";
import { QUEUE_FULL } from "./errors.js";
import { awaitJob, JobFuture, type JobHost } from "./job.js";
import type { JobSignal } from "./job-signal.js";
import { moduleUrl, threadEntry } from "./module-ref.js";
import type { JobOutcome, JobRequest } from "./pool-thread.js";

/** Options for `new WorkerPool()`. */
export interface WorkerPoolOptions {
  /** How many threads at most. @default availableParallelism() */
  size?: number;
  /** How many jobs may wait for a thread; one more fails at its call. @default Infinity */
  maxQueue?: number;
  /** An idle thread exits after this long, down to one (unref'd: it keeps no process alive). @default 10000 */
  idleTimeoutMs?: number;
  /** Each thread's memory limits (`worker_threads` `resourceLimits`); a thread over them fails its job. */
  resourceLimits?: ResourceLimits;
}

/** Options for one job. */
export interface RunOptions {
  /** `ArrayBuffer`s (or `MessagePort`s) among the arguments that move to the thread instead of being copied; the caller's copies are detached. */
  transfer?: readonly Transferable[];
}

/** A snapshot of a pool. */
export interface WorkerPoolStatistics {
  /** Threads alive. */
  threads: number;
  /** Jobs running on a thread. */
  busy: number;
  /** Jobs waiting for a thread. */
  queued: number;
}

const OPEN = 0;
const SHUTTING_DOWN = 1;
const SHUT_DOWN = 2;

/**
 * A pool of worker threads running exported functions of modules
 * (`pool.run(new URL("./hash.js", import.meta.url), "sha256", [data])`).
 * Threads start at the first job and never keep the process alive while idle.
 *
 * @example
 * const pool = new WorkerPool({ size: 2 });
 * const digest = yield* pool.run(new URL("./hash.js", import.meta.url), "sha256", ["abc"]);
 * yield* pool.shutdown();
 */
export class WorkerPool implements JobHost {
  readonly #size: number;
  readonly #maxQueue: number;
  readonly #idleTimeoutMs: number;
  readonly #resourceLimits: ResourceLimits | undefined;
  #piscina: Piscina | null = null;
  #state = OPEN;
  // Jobs handed to piscina whose outcome has not arrived and that were not
  // aborted, by their abort signal. A job takes a thread or a queue slot:
  // admission is `#submitted.size < size + maxQueue` (piscina's own maxQueue
  // does not count jobs that carry an abort signal, which all of ours do).
  #submitted = new Set<JobSignal>();
  // Resolves `shutdown()` once `#submitted` is empty.
  #drained: (() => void) | null = null;
  #closing: Promise<void> | null = null;
  // Set only while `_abort` runs: the exit of the thread piscina destroyed inside abort().
  #capture: { exit: Promise<void> | null } | null = null;

  constructor(options: WorkerPoolOptions = {}) {
    const { size = availableParallelism(), maxQueue = Infinity, idleTimeoutMs = 10_000 } = options;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`new WorkerPool(): size must be a whole number >= 1, got ${size}`);
    }
    if (maxQueue !== Infinity && (!Number.isInteger(maxQueue) || maxQueue < 0)) {
      throw new RangeError(
        `new WorkerPool(): maxQueue must be a whole number >= 0 or Infinity, got ${maxQueue}`,
      );
    }
    if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0) {
      throw new RangeError(
        `new WorkerPool(): idleTimeoutMs must be a finite number >= 0, got ${idleTimeoutMs}`,
      );
    }
    this.#size = size;
    this.#maxQueue = maxQueue;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#resourceLimits = options.resourceLimits;
  }

  /**
   * Runs `module`'s export `exportName` (sync or async) with `args` on a
   * thread: `const v = yield* pool.run(url, "sha256", [data])`. Arguments and
   * result are structured-cloned; `transfer` moves buffers instead.
   *
   * Cancellation: a queued job leaves the queue; a running job's thread is
   * terminated (the pool starts another) and the caller resumes only once that
   * thread is gone. Either way the function's work is lost.
   *
   * Throws at the call: `TypeError` for a relative path, a missing file, a
   * non-array `args` or an uncloneable argument (naming it), an `Error` if the
   * pool is shut down. From the job: the function's error (its `name`,
   * `message` and the worker's stack), a `TypeError` if the module lacks the
   * export, a `WorkerCrashError` if the thread died.
   */
  run<T = unknown>(
    module: string | URL,
    exportName: string,
    args: readonly unknown[] = [],
    options: RunOptions = {},
  ): Coroutine<T> {
    return this._job<T>("WorkerPool.run", module, exportName, args, options);
  }

  /** @internal `run`, with the API name its errors use. */
  _job<T>(
    api: string,
    module: string | URL,
    exportName: string,
    args: readonly unknown[],
    options: RunOptions,
  ): Coroutine<T> {
    const url = moduleUrl(module, api);
    if (typeof exportName !== "string" || exportName === "") {
      throw new TypeError(
        `${api}(): expected the name of a function that ${url} exports, got ${String(exportName)}`,
      );
    }
    if (!Array.isArray(args)) {
      throw new TypeError(
        `${api}(): args must be an array of the function's arguments ([data]), got ${typeof args}`,
      );
    }
    const bad = findUncloneable(args);
    if (bad !== null) {
      throw new TypeError(
        `${api}(): ${bad}, which cannot be sent to a worker thread (arguments are ` +
          `structured-cloned); pass plain data to ${exportName} in ${url}`,
      );
    }
    this.#checkOpen(api);
    const transfer = options.transfer ?? [];
    if (!Array.isArray(transfer)) {
      throw new TypeError(
        `${api}(): transfer must be an array of the ArrayBuffers to move ({transfer: [buffer]}), ` +
          `got ${typeof transfer}`,
      );
    }
    const request: JobRequest = { module: url, exportName, args: args as unknown[] };
    return awaitJob<T>(new JobFuture(this, api, request, transfer));
  }

  /** Threads alive, jobs running, jobs waiting. */
  statistics(): WorkerPoolStatistics {
    const piscina = this.#piscina;
    if (piscina === null) return { threads: 0, busy: 0, queued: 0 };
    const queued = piscina.queueSize;
    return {
      threads: piscina.threads.length,
      busy: Math.max(0, this.#submitted.size - queued),
      queued,
    };
  }

  /**
   * Shuts the pool down: no new job is accepted (a later `run` throws), jobs
   * already submitted run to their end, then every thread exits.
   *
   * Cancellation: stops waiting; the shutdown itself goes on.
   */
  *shutdown(): Coroutine<void> {
    if (this.#state === OPEN) {
      this.#state = SHUTTING_DOWN;
      // piscina's close() waits for running jobs but fails queued ones, so the
      // pool waits for every submitted job itself, then ends the threads.
      const drained =
        this.#submitted.size === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.#drained = resolve;
            });
      this.#closing = drained
        .then(() => this.#piscina?.destroy())
        .then(() => {
          this.#state = SHUT_DOWN;
        });
    }
    yield* call(this.#closing as Promise<void>);
  }

  #finished(signal: JobSignal): void {
    if (this.#submitted.delete(signal) && this.#submitted.size === 0 && this.#drained !== null) {
      const drained = this.#drained;
      this.#drained = null;
      drained();
    }
  }

  #checkOpen(api: string): void {
    if (this.#state !== OPEN) {
      throw new Error(
        `${api}(): the pool is shut down${this.#state === SHUTTING_DOWN ? " (shutting down)" : ""}; ` +
          `run jobs before pool.shutdown(), or on another pool`,
      );
    }
  }

  #start(): Piscina {
    const entry = threadEntry("pool-thread");
    const piscina = new Piscina({
      filename: entry.filename,
      execArgv: entry.execArgv,
      // One thread is kept (unref'd when idle, so it keeps no process alive):
      // piscina replaces a crashed or terminated thread only up to minThreads,
      // and with none left, jobs already queued would wait for the next run().
      minThreads: 1,
      maxThreads: this.#size,
      maxQueue: Infinity,
      idleTimeout: this.#idleTimeoutMs,
      ...(this.#resourceLimits === undefined ? {} : { resourceLimits: this.#resourceLimits }),
    });
    // A thread that fails while idle (an error escaping a finished job's timer)
    // is reported here; piscina has already replaced it. Without a listener the
    // 'error' event would crash the whole process.
    piscina.on("error", () => {});
    // piscina's worker interface names the thread's id `id` (its `Worker`'s `threadId`).
    piscina.on("workerDestroy", (worker: { id: number }) => {
      const capture = this.#capture;
      if (capture === null) return;
      const thread = piscina.threads.find((t) => t.threadId === worker.id);
      if (thread !== undefined) {
        capture.exit = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
      }
    });
    return piscina;
  }

  /** @internal Hands a job to piscina (started on first use). */
  _submit(
    request: JobRequest,
    transfer: readonly Transferable[],
    signal: JobSignal,
  ): Promise<JobOutcome> {
    this.#checkOpen("WorkerPool.run");
    if (this.#submitted.size >= this.#size + this.#maxQueue) {
      return Promise.reject(
        new Error(`the pool's queue is full (maxQueue ${this.#maxQueue}, size ${this.#size})`, {
          cause: QUEUE_FULL,
        }),
      );
    }
    this.#piscina ??= this.#start();
    this.#submitted.add(signal);
    const promise = this.#piscina.run(request, {
      signal: signal as never, // piscina accepts any object with addEventListener and aborted

      // piscina's TransferList type is not exported; the values are the same.
      transferList: transfer as never,
    }) as Promise<JobOutcome>;
    const done = () => this.#finished(signal);
    promise.then(done, done);
    return promise;
  }

  /** @internal Aborts a submitted job; the exit of its thread when it was running, else null. */
  _abort(signal: JobSignal): Promise<void> | null {
    const capture: { exit: Promise<void> | null } = { exit: null };
    this.#capture = capture;
    try {
      signal.abort();
    } finally {
      this.#capture = null;
    }
    this.#finished(signal);
    return capture.exit;
  }
}

let defaultPool: WorkerPool | null = null;

/** @internal The pool `runInWorker` uses without `{pool}`: `availableParallelism()` threads, made on first use. */
export function getDefaultPool(): WorkerPool {
  defaultPool ??= new WorkerPool();
  return defaultPool;
}
