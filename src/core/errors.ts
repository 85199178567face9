/** Errors the kernel throws to users. Each has its own class so `instanceof` tells them apart. */
import { thrownMessage } from "./describe-thrown.js";

/**
 * Thrown to whoever joins a task that was cancelled. The task itself never sees
 * it: cancellation runs `finally` blocks, not `catch` blocks.
 */
export class CancelledError extends Error {
  override name = "CancelledError";
  /** What was passed to `task.cancel(reason)`, if anything. */
  readonly reason: unknown;

  constructor(reason?: unknown, message?: string) {
    super(message ?? describeReason(reason));
    this.reason = reason;
  }
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return "task was cancelled";
  return `task was cancelled: ${thrownMessage(reason)}`;
}

/** One task that was stuck when a deadlock was found. */
export interface StuckTask {
  id: number;
  name: string;
  waitingOn: string;
}

/**
 * A runtime found that none of its tasks can ever run again: nothing is ready,
 * no timer, I/O or `call()` is pending, and every task waits on something only
 * this runtime could resolve (as Go's "all goroutines are asleep").
 */
export class DeadlockError extends Error {
  override name = "DeadlockError";
  /** Each stuck task and what it waits on. */
  readonly tasks: StuckTask[];

  constructor(tasks: StuckTask[], why = "every task is waiting and nothing can wake them") {
    const lines = tasks.map(
      (t) =>
        `  task#${t.id}${t.name === `task#${t.id}` ? "" : ` ${JSON.stringify(t.name)}`} waiting on ${t.waitingOn}`,
    );
    super(`deadlock: ${why}${lines.length > 0 ? `:\n${lines.join("\n")}` : ""}`);
    this.tasks = tasks;
  }
}

/** Thrown by `timeout(ms, body)` once the body ran out of time and its cleanup has finished. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  /** The limit that was exceeded, in milliseconds. */
  readonly ms: number;

  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.ms = ms;
  }
}
