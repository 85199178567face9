/**
 * `Stream<T>`: the one shape corio's sources share — anything with `recv()`
 * (a future of the next item as an iterator result, `{done: true}` at the
 * end) and `close()`. Channel, broadcast and watch receivers, signal streams,
 * line readers and the operators and adapters of this module all satisfy it,
 * so `forEach` and the operators take any of them.
 */
import { cur } from "../core/current.js";
import { type Coroutine, type Future, PENDING, yieldNow } from "../core/future.js";
import { BUDGET } from "../core/task.js";

/** A source of items: `recv()` the next one (`{done: true}` at the end); `close()` to stop. */
export interface Stream<T> {
  /** The next item, or `{done: true}` once the stream has ended. */
  recv(): Future<IteratorResult<T, unknown>>;
  /** Stops the stream and releases what it holds (listeners, files, sources). Idempotent. */
  close(): void;
}

/** Whether `value` has the `Stream` shape (`recv` and `close` methods). */
export function isStream(value: unknown): value is Stream<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Stream<unknown>).recv === "function" &&
    typeof (value as Stream<unknown>).close === "function"
  );
}

/** @internal Describes a value for an error message, without dumping large objects. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name ? `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}` : "an object";
  }
  return String(value);
}

/** @internal Throws a TypeError naming `value` unless it is a `Stream`. */
export function checkStream<T>(value: Stream<T>, where: string): void {
  if (!isStream(value)) {
    throw new TypeError(
      `${where}: expected a stream (an object with recv() and close()), got ${describeValue(value)}`,
    );
  }
}

/**
 * Runs `body` on each item of `stream`, in order, one at a time (the next item
 * is received when the body's coroutine has finished), and closes the stream
 * when the loop ends — the stream ended, the body threw, or the task was
 * cancelled — so a listener or file behind it does not leak.
 *
 * Cancellation: the stream is closed; an item being received is left in a
 * cancel-safe source (see the source's `recv`).
 * Throws: what `recv` or `body` throws (the stream is closed first).
 *
 * @example
 * const [tx, rx] = channel<number>(4);
 * tx.trySend(1);
 * tx.trySend(2);
 * tx.close();
 * yield* forEach(rx, function* (n) {
 *   yield* sleep(10);
 *   console.log(n);
 * });
 */
export function* forEach<T>(
  stream: Stream<T>,
  body: (item: T) => Coroutine<unknown>,
): Coroutine<void> {
  checkStream(stream, "forEach(stream)");
  if (typeof body !== "function") {
    throw new TypeError(
      `forEach(stream, body): body must be a generator function, got ${describeValue(body)}`,
    );
  }
  let budget = BUDGET;
  try {
    for (;;) {
      const f = stream.recv();
      // Fast path: poll the recv here, as the executor would, and skip the trip
      // through the executor (two generator frames) when an item is ready. The
      // executor resumes a task at once after a ready poll too, so no other
      // task loses a turn. Pending: `yield*` it, and the executor polls it
      // again (a poll when nothing changed is allowed) and parks the task.
      // Items taken here skip the executor's cooperative budget, so forEach keeps
      // its own: after BUDGET of them it lets the other ready tasks run.
      const task = cur.task;
      let r = task === null ? PENDING : f.poll(task);
      if (r === PENDING) r = yield* f;
      else if (--budget === 0) {
        budget = BUDGET;
        yield* yieldNow();
      }
      if (r.done) return;
      yield* body(r.value);
    }
  } finally {
    stream.close();
  }
}
