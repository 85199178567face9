/**
 * Errors from the I/O layer: Node's system errors, re-worded to name what
 * failed and where ("connect to 127.0.0.1:1 failed: connection refused
 * (ECONNREFUSED)"), with Node's `code`, `errno`, `syscall`, `address` and
 * `port` kept, and the original error as `cause`.
 */

/** A Node system error: an `Error` with `code` (`ECONNREFUSED`, `EADDRINUSE`, ...). */
export type SystemError = NodeJS.ErrnoException & { address?: string; port?: number };

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  ECONNABORTED: "connection aborted",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available",
  EACCES: "permission denied",
  EPIPE: "broken pipe",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "temporary failure in name resolution",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOENT: "no such file or directory",
  EMSGSIZE: "message too long",
};

/**
 * Wraps `error` as "`what` failed: description (CODE)", keeping its system
 * properties. `what` names the operation and the address.
 */
export function ioError(error: unknown, what: string): SystemError {
  if (!(error instanceof Error)) return new Error(`${what} failed: ${String(error)}`);
  const e = error as SystemError;
  const code = e.code;
  const text =
    code === undefined
      ? e.message
      : `${DESCRIPTIONS[code] ?? e.message.replace(/^\w+ /, "")} (${code})`;
  const wrapped = new Error(`${what} failed: ${text}`, { cause: error }) as SystemError;
  if (code !== undefined) wrapped.code = code;
  if (e.errno !== undefined) wrapped.errno = e.errno;
  if (e.syscall !== undefined) wrapped.syscall = e.syscall;
  if (e.address !== undefined) wrapped.address = e.address;
  if (e.port !== undefined) wrapped.port = e.port;
  return wrapped;
}

/** A new system-style error with `code` (for conditions corio detects itself, like a connect timeout). */
export function codeError(code: string, message: string): SystemError {
  const error = new Error(message) as SystemError;
  error.code = code;
  return error;
}

/** "127.0.0.1:80", "[::1]:80", "/tmp/sock". */
export function formatAddress(
  address: { host: string; port: number } | { path: string } | null,
): string {
  if (address === null) return "?";
  if ("path" in address) return address.path;
  return address.host.includes(":")
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
