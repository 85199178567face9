/**
 * The worker module of examples/parallel-hasher.ts: this code runs on a pool
 * thread, never on the event loop. It reads and hashes one file; the thread
 * does its own I/O, so nothing but a path and a digest crosses threads.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export interface FileDigest {
  bytes: number;
  digest: string;
}

export async function sha256File(path: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, digest: hash.digest("hex") };
}
