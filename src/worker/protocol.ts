/**
 * The messages between a spawned worker's thread and the task that spawned it
 * (over the worker's own port: `worker.postMessage` / `parentPort`).
 *
 *   parent → worker: cancel · snapshot request
 *   worker → parent: snapshot answer · trace · outcome (last; then the thread exits)
 */

import type { TraceFile } from "../core/instrument.js";
import type { RuntimeSnapshot } from "../trace/inspect.js";
import type { ReceiverState, SenderState } from "./channel.js";
import type { SerializedError } from "./errors.js";

/** What a worker thread starts with (its `workerData`). */
export interface WorkerStart {
  /** The module's `file:` URL, validated by the caller. */
  module: string;
  args: unknown[];
  ends: (SenderState | ReceiverState)[];
  /** The name of the spawned task; the worker's root task gets it too. */
  name: string;
  /** The task in the parent thread whose body this worker runs. */
  taskId: number;
  /** The process-wide task id counter. */
  ids: SharedArrayBuffer;
  /** Record a trace and send it back (the parent traces). */
  trace: boolean;
}

export type ToWorker = { t: "cancel" } | { t: "snapshot"; id: number; budgetMs: number };

export type FromWorker =
  | { t: "snapshot"; id: number; runtimes: RuntimeSnapshot[] }
  | { t: "trace"; file: TraceFile; timeOrigin: number }
  | { t: "done"; value: unknown }
  | { t: "failed"; error: SerializedError }
  | { t: "cancelled" };
