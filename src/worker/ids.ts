/**
 * Task ids across threads: once a thread spawns a worker runtime, its task ids
 * come from a counter in shared memory that the worker adopts, so an id names
 * one task in the whole process (one tree in `corio ps`, one row per task in a
 * trace).
 */
import { _shareTaskIds } from "../core/task.js";

let shared: SharedArrayBuffer | null = null;

/** The process-wide counter, shared from now on by this thread. */
export function sharedTaskIds(): SharedArrayBuffer {
  if (shared === null) shared = _shareTaskIds();
  return shared;
}

/** A worker thread takes its ids from its parent's counter. */
export function adoptTaskIds(buffer: SharedArrayBuffer): void {
  shared = _shareTaskIds(buffer);
}
