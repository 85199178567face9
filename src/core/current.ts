/**
 * What is running right now. The executor sets `task` and `rt` around each step
 * and restores them afterwards, so several runtimes (and `runtime.step()`
 * called from inside another runtime's task) nest correctly.
 *
 * Invariant: `task` is the task whose step is on the JS stack, or null; `rt` is
 * the runtime whose loop (or `step()`) is on the stack, or null.
 */
import type { Runtime } from "./runtime.js";
import type { Task } from "./task.js";

export const cur: { task: Task<unknown> | null; rt: Runtime | null } = { task: null, rt: null };
