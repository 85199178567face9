/** `timeout`: a deadline for a body run as a child task. */
import type { Body } from "../core/body.js";
import { TimeoutError } from "../core/errors.js";
import type { Coroutine, Future } from "../core/future.js";
import { type Gather, gathered, MORE } from "../core/gather.js";
import { CancelScope, RELATIVE_DEADLINE, runScope } from "../core/scope.js";
import type { Task } from "../core/task.js";
import { checkDuration } from "./duration.js";

/**
 * Runs `body` as a child task with a deadline. If it does not finish within
 * `ms`, it is cancelled, its cleanup runs to the end, and then `TimeoutError`
 * is thrown. `Infinity` means no deadline. A `Task` passed here is joined, not
 * owned: at the deadline it is left running. The deadline is a cancel scope's
 * (`moveOnAfter`'s machinery): `currentDeadline()` inside the body sees it.
 *
 * Throws: TimeoutError; the body's own error; RangeError for a negative, NaN or non-number `ms`.
 *
 * @example
 * const page = yield* timeout(5000, fetchPage(url));
 */
export function* timeout<T>(ms: number, body: Body<T> | Future<T> | Task<T>): Coroutine<T> {
  checkDuration(ms, "timeout(ms, body)", true);
  const items = [body] as never[];
  if (!Number.isFinite(ms)) return (yield* gathered(items, "timeout", true, theBody, ms)) as T;
  const scope = new CancelScope(
    () => gathered(items, "timeout", true, theBody, ms),
    "timeout(ms, body)",
    ms,
    RELATIVE_DEADLINE,
  );
  let value: unknown;
  try {
    value = yield* runScope(scope);
  } catch (error) {
    // The deadline hit and the body's cleanup failed too: both are reported.
    if (!scope.cancelCalled) throw error;
    const others = (error instanceof AggregateError ? error.errors : [error]).filter(
      (e) => !scope._owns(e),
    );
    if (others.length === 0) throw new TimeoutError(ms);
    throw new AggregateError(
      [new TimeoutError(ms), ...others],
      `${others.length + 1} errors in timeout`,
    );
  }
  if (scope.cancelled) throw new TimeoutError(ms);
  return value as T;
}

function theBody(gather: Gather, i: number): unknown {
  return i < 0 ? MORE : gather.take(i);
}
