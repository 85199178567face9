/**
 * `serve`'s limits: what a client on the open internet may cost the server,
 * their defaults, their validation, and how they map onto `node:http`.
 *
 * Each limit closes one way to tie the server up:
 * - `maxBodyBytes`: a body too big to hold in memory (a 500 MB POST read
 *   with `text()`). A larger declared `Content-Length` is answered 413 before
 *   any handler runs; a chunked body that grows past it makes the read throw
 *   `BodyTooLargeError` (answered 413, connection closed, nothing more read).
 * - `headersTimeoutMs`: slowloris — a client that opens connections and
 *   sends its headers a byte at a time, holding a socket each.
 * - `requestTimeoutMs`: the same with the body (slow POST).
 * - `keepAliveTimeoutMs`: idle keep-alive connections held open for nothing.
 * - `maxHeaderBytes`: huge header blocks (memory and parse time), answered 431.
 * - `maxConnections`: running out of file descriptors; further connections
 *   are closed at once.
 */

/** A request body that went past `maxBodyBytes`; `serve` answers it with 413. */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  /** The HTTP status the server answers with. */
  readonly status = 413;
  readonly code = "ERR_BODY_TOO_LARGE";
  /** The limit that was passed, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super(
      `the request body is larger than maxBodyBytes (${limit} bytes): raise serve()'s maxBodyBytes option to accept it, or read req.body as a stream`,
    );
    this.limit = limit;
  }
}

/** The limits of one server, resolved (defaults filled in, checked). */
export interface Limits {
  maxBodyBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  maxConnections: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxBodyBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxConnections: Number.POSITIVE_INFINITY,
};

/** How each limit may be set: a whole number of bytes/connections, or milliseconds. */
const KINDS: Record<keyof Limits, "bytes" | "ms" | "count"> = {
  maxBodyBytes: "bytes",
  headersTimeoutMs: "ms",
  requestTimeoutMs: "ms",
  keepAliveTimeoutMs: "ms",
  maxHeaderBytes: "bytes",
  maxConnections: "count",
};

/**
 * Fills in the defaults and checks each limit: a positive number (a whole one
 * for bytes and connections), or `Infinity` for none — except
 * `maxHeaderBytes`, which Node needs finite.
 */
export function resolveLimits(options: Partial<Record<keyof Limits, unknown>>): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(KINDS) as (keyof Limits)[]) {
    const value = options[name];
    if (value === undefined) continue;
    const kind = KINDS[name];
    const where = `serve(): options.${name}`;
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new TypeError(`${where} must be a number, got ${describe(value)}`);
    }
    const infinityOk = name !== "maxHeaderBytes";
    if (value <= 0 || (!infinityOk && !Number.isFinite(value))) {
      throw new RangeError(
        `${where} must be a positive number${infinityOk ? " (Infinity for no limit)" : ""}, got ${value}`,
      );
    }
    if (kind !== "ms" && Number.isFinite(value) && !Number.isInteger(value)) {
      throw new RangeError(`${where} must be a whole number of ${kind}, got ${value}`);
    }
    limits[name] = value;
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `serve(): options.headersTimeoutMs (${limits.headersTimeoutMs}) must not exceed options.requestTimeoutMs (${limits.requestTimeoutMs}): the headers are part of the request`,
    );
  }
  return limits;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return value === null ? "null" : typeof value === "object" ? "an object" : String(value);
}

/** Node counts 0 as "no timeout"; we say Infinity. Node's timers take whole milliseconds. */
function nodeMs(ms: number): number {
  return Number.isFinite(ms) ? Math.max(1, Math.ceil(ms)) : 0;
}

/** The `node:http` server options for `limits`. */
export function nodeServerOptions(limits: Limits) {
  const headersTimeout = nodeMs(limits.headersTimeoutMs);
  const requestTimeout = nodeMs(limits.requestTimeoutMs);
  // Node checks both timeouts on one sweep over the connections, every 30 s
  // by default: a slowloris connection then lives up to timeout + 30 s.
  // Sweep often enough that a timeout is late by at most a quarter of
  // itself (and at most a second); one sweep costs microseconds.
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const connectionsCheckingInterval = Number.isFinite(shortest)
    ? Math.min(1000, Math.max(5, Math.floor(shortest / 4)))
    : 30_000;
  return {
    headersTimeout,
    requestTimeout,
    connectionsCheckingInterval,
    maxHeaderSize: limits.maxHeaderBytes,
    keepAliveTimeout: nodeMs(limits.keepAliveTimeoutMs),
  };
}
