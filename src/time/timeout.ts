/** `timeout`: a deadline for a body. */
import type { Body } from "../core/body.js";
import { TimeoutError } from "../core/errors.js";
import type { Coroutine, Future } from "../core/future.js";
import { type Gather, gathered } from "../core/gather.js";
import type { Task } from "../core/task.js";
import { Timer } from "../core/timer.js";
import { checkDuration } from "./duration.js";

/**
 * Runs `body` as a child task with a deadline. If it does not finish within
 * `ms`, it is cancelled, its cleanup runs to the end, and then `TimeoutError`
 * is thrown. `Infinity` means no deadline. A `Task` passed here is joined, not
 * owned: at the deadline it is left running.
 *
 * Throws: TimeoutError; the body's own error; RangeError for a negative or NaN `ms`.
 *
 * @example
 * const page = yield* timeout(5000, fetchPage(url));
 */
export function* timeout<T>(ms: number, body: Body<T> | Future<T> | Task<T>): Coroutine<T> {
  checkDuration(ms, "timeout(ms, body)", true);
  const items = Number.isFinite(ms) ? [body, Timer.after(ms)] : [body];
  return (yield* gathered(items as never[], "timeout", true, bodyOrDeadline, ms)) as T;
}

function* bodyOrDeadline(gather: Gather, ms: number): Coroutine<unknown> {
  const i = yield* gather.next();
  if (i === 1) throw new TimeoutError(ms);
  return gather.take(i);
}
