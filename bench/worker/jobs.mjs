// The functions the worker benchmark runs on threads (bench/worker/measure.ts).
import { createHash } from "node:crypto";

/** The trivial job: per-job overhead is all there is to measure. */
export function echo(x) {
  return x;
}

/** A fixed amount of CPU work (`rounds` chained sha256 of 1 KiB); returns a checksum. */
export function burn(rounds) {
  const block = Buffer.alloc(1024, 7);
  for (let i = 0; i < rounds; i++) {
    createHash("sha256").update(block).digest().copy(block);
  }
  return block.readUInt32LE(0);
}

/** sha256 of a whole buffer (transferred to the thread). */
export function sha256(buffer) {
  return createHash("sha256").update(new Uint8Array(buffer)).digest("hex");
}
