/** `stdin()`: this process's standard input as a `ByteStream`, as Tokio's `io::stdin()`. */
import { type ByteStream, nodeByteStream } from "../net/stream.js";

let shared: ByteStream | null = null;

/**
 * This process's standard input as a readable `ByteStream` (`read`,
 * `readLine`, `readAll`), read only while a task reads it. The same stream is
 * returned on every call; closing it closes standard input for good.
 *
 * Cancellation: as `ByteStream` reads: safe, nothing is lost.
 *
 * @example
 * // not run: it waits for lines on this process's standard input
 * const input = stdin();
 * for (let line = yield* input.readLine(); line !== null; line = yield* input.readLine()) {
 *   yield* conn.write(`${line}\n`);
 * }
 */
export function stdin(): ByteStream {
  if (shared === null || shared.closed) shared = nodeByteStream(process.stdin, true, "stdin");
  return shared;
}
