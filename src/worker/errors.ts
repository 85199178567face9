/**
 * Errors across threads. Structured cloning keeps an `Error`'s message but
 * turns a custom class into a plain `Error` (its `name` is lost) and drops
 * most of what a caller looks at. So a worker thread sends a plain record
 * (`serializeError`) and the caller's thread rebuilds an `Error` from it
 * (`deserializeError`) with the same `name` (a custom class's too), `message`,
 * the worker's `stack`, `code`, `cause` (recursively) and an
 * `AggregateError`'s `errors`. The class itself cannot cross: `instanceof
 * HashError` is false on the caller's side; test `error.name`.
 */

/** The cloneable record of an error thrown on another thread. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: SerializedError;
  errors?: SerializedError[];
  /** Set when the thrown value was not an `Error` (`throw "oops"`): what it was, as text. */
  thrown?: string;
}

// A cause chain is followed this deep: enough for any real chain, and a cycle
// (a.cause = b, b.cause = a) ends instead of recursing forever.
const MAX_DEPTH = 8;

/** Turns whatever was thrown into a cloneable record. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    const text = describeThrown(error);
    return { name: "Error", message: text, thrown: text };
  }
  const out: SerializedError = { name: String(error.name), message: String(error.message) };
  if (typeof error.stack === "string") out.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") out.code = code;
  if (depth < MAX_DEPTH) {
    if ("cause" in error && error.cause !== undefined) {
      out.cause = serializeError(error.cause, depth + 1);
    }
    if (error instanceof AggregateError && Array.isArray(error.errors)) {
      out.errors = error.errors.map((e: unknown) => serializeError(e, depth + 1));
    }
  }
  return out;
}

const BUILTIN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an `Error` from its record: a built-in class when the name is one
 * (`TypeError` stays `instanceof TypeError`), otherwise an `Error` carrying
 * the custom `name`. `stack` is the worker's stack, where the error was made.
 */
export function deserializeError(record: SerializedError): Error {
  const options =
    record.cause === undefined ? undefined : { cause: deserializeError(record.cause) };
  let error: Error;
  if (record.errors !== undefined) {
    error = new AggregateError(record.errors.map(deserializeError), record.message, options);
  } else {
    const Ctor = BUILTIN[record.name] ?? Error;
    error = new Ctor(record.message, options);
  }
  if (error.name !== record.name) {
    // An own property, as a class field `name = "HashError"` would be: shown by
    // util.inspect and kept by a later serializeError.
    Object.defineProperty(error, "name", {
      value: record.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (record.stack !== undefined) error.stack = record.stack;
  if (record.code !== undefined) (error as { code?: string | number }).code = record.code;
  return error;
}

function describeThrown(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return `a non-Error value was thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `a non-Error value was thrown: ${String(value)}`;
  }
}

/** Why a worker thread failed a job it was running. */
export type WorkerCrashKind = "exit" | "uncaught" | "out-of-memory";

/**
 * A worker thread died while running a job: it called `process.exit()`, an
 * error escaped the job (thrown from a callback, not returned or rejected),
 * or it ran out of memory (its `resourceLimits`). The pool has replaced the
 * thread; `cause` is what the thread reported, `kind` which of the three.
 */
export class WorkerCrashError extends Error {
  override name = "WorkerCrashError";
  readonly kind: WorkerCrashKind;

  constructor(message: string, kind: WorkerCrashKind, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/** @internal The `cause` a pool gives the error for a job its full queue refused. */
export const QUEUE_FULL: unique symbol = Symbol("corio.worker.queue-full");
