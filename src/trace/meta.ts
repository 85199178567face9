/**
 * What the observability layer keeps per task, in the task's free `meta` slot
 * (`TaskExtras.meta`): one object per task, allocated at spawn, only on a
 * runtime with hooks (trace, debug or stats).
 *
 * Times are `performance.now()` milliseconds. Written only by the hooks of the
 * runtime the task belongs to (`owner`).
 */
import type { Task } from "../core/task.js";

export class TaskMeta {
  /** The hooks object of the task's runtime (a task from elsewhere has another). */
  readonly owner: object;
  /** Steps taken. */
  polls = 0;
  /** Total time inside steps. */
  busy = 0;
  /** Total time parked (closed waits only; the open one is `now - parkedAt`). */
  idle = 0;
  /** When it was last made ready: spawned or woken. */
  readyAt: number;
  /** When the current step began. */
  stepAt = 0;
  /** When it parked (the end of the step that parked), or -1 while not parked. */
  parkedAt = -1;

  // Tracing.
  /** What the open wait is on (the future's description when it parked). */
  waitName = "";
  /** A flow into the next step: its source task (0: none), time and category. */
  flowFrom = 0;
  flowAt = 0;
  flowCat = 0;

  // Debug mode.
  /** Where it was spawned (a captured stack). */
  site: Error | null = null;
  /** The future the current step resumed from (null: the first step, or after yieldNow). */
  resumedFrom: object | null = null;
  /** When its cancellation took effect (its cleanup started), or -1. */
  unwindingSince = -1;
  cancelWarned = false;

  constructor(owner: object, now: number) {
    this.owner = owner;
    this.readyAt = now;
  }
}

/** The task's record if `owner`'s hooks keep it, else null. */
export function metaOf(task: Task<unknown>, owner: object): TaskMeta | null {
  const m = task._meta;
  return m instanceof TaskMeta && m.owner === owner ? m : null;
}
