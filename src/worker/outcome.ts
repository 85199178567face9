/**
 * Turning what a pool thread reports into what the caller's `yield*` gets.
 *
 * A job's own outcome (`unpackOutcome`) is a value, the job's error rebuilt
 * with its name and the worker's stack, or a missing export. A rejection from
 * piscina (`explainFailure`) means the thread failed under the job; it becomes
 * an error that says which of the ways it failed, and that the pool carries on.
 */
import { deserializeError, QUEUE_FULL, WorkerCrashError } from "./errors.js";
import type { JobOutcome } from "./pool-thread.js";

/** The job, as messages name it. */
export interface JobLabel {
  readonly api: string;
  readonly module: string;
  readonly exportName: string;
  describe(): string;
}

function fileOf(url: string): string {
  return decodeURIComponent(url.startsWith("file://") ? new URL(url).pathname : url);
}

/** The job's value, or throws the job's error. */
export function unpackOutcome(outcome: JobOutcome, job: JobLabel): unknown {
  switch (outcome.kind) {
    case "value":
      return outcome.value;
    case "error":
      throw deserializeError(outcome.error);
    case "no-export": {
      const has =
        outcome.exports.length === 0
          ? "it exports no functions"
          : `it exports ${outcome.exports.map((n) => `"${n}"`).join(", ")}`;
      const found =
        outcome.found === "nothing" ? "" : ` (its "${job.exportName}" is a ${outcome.found})`;
      throw new TypeError(
        `${job.api}(): ${fileOf(job.module)} has no exported function "${job.exportName}"${found}; ` +
          `${has}. Export it: export function ${job.exportName}(...) { ... }`,
      );
    }
  }
}

/** The error for a job whose thread failed (piscina rejected it). */
export function explainFailure(error: unknown, job: JobLabel): Error {
  const what = `the worker thread running ${job.describe().replace(/^worker job /, "")}`;
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  if (code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new WorkerCrashError(
      `${what} ran out of memory (the pool's resourceLimits); the pool replaces the thread`,
      "out-of-memory",
      { cause: e },
    );
  }
  const exited = /^worker exited with code: (-?\d+)/.exec(e.message);
  if (exited !== null) {
    return new WorkerCrashError(
      `${what} exited with code ${exited[1]} before the job finished (process.exit() or a fatal ` +
        `error in the thread); the pool replaces the thread`,
      "exit",
      { cause: e },
    );
  }
  if (e.name === "DataCloneError") {
    const err = new TypeError(
      `${job.api}(): a value of ${job.describe()} could not be cloned between threads ` +
        `(${e.message}). Arguments and results must be structured-cloneable: plain objects, ` +
        `arrays, strings, numbers, Map, Set, typed arrays, not functions or sockets`,
      { cause: e },
    );
    return err;
  }
  if (e.message === "Terminating worker thread") {
    return new Error(`${job.api}(): the pool was shut down before ${job.describe()} finished`, {
      cause: e,
    });
  }
  if (e.cause === QUEUE_FULL) {
    return new Error(
      `${job.api}(): ${e.message}; ${job.describe()} was not queued. ` +
        `Wait for jobs to finish, or make the pool's maxQueue larger`,
    );
  }
  return new WorkerCrashError(
    `${what} crashed: an error escaped the job (${e.name}: ${e.message}), thrown outside the ` +
      `function's own call (a callback or timer); the pool replaces the thread`,
    "uncaught",
    { cause: e },
  );
}
