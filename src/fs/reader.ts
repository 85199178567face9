/**
 * `reader`: a file as a `ByteStream` — `read`, `readExact`, `readLine` — for
 * reading a file line by line or in a protocol's framing without holding it
 * all in memory. It is a Node `fs.ReadStream` under the stream machinery of
 * `corio/net`, so it reads ahead at most one chunk beyond what a task asked for.
 */

import { createReadStream, type ReadStream } from "node:fs";
import type { Context, Future, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { openingSite } from "../core/resources.js";
import { IoFuture } from "../net/io-future.js";
import { type ByteStream, nodeByteStream } from "../net/stream.js";
import { checkPath } from "./files.js";

/** Options for `reader`. */
export interface ReaderOptions {
  /** The first byte to read. @default 0 */
  start?: number;
  /** The last byte to read (inclusive). @default the end of the file */
  end?: number;
  /** How many bytes each read from the file takes. @default 65536 */
  chunkSize?: number;
}

class OpenReader extends IoFuture<ByteStream> {
  readonly #path: string;
  readonly #options: ReaderOptions;
  #stream: ReadStream | null = null;
  #state: "new" | "opening" | "open" | "failed" = "new";
  #error: unknown = null;
  #waker: Waker | null = null;
  #taken = false;
  readonly #site = openingSite();

  constructor(path: string, options: ReaderOptions) {
    super();
    this.#path = path;
    this.#options = options;
  }

  poll(cx: Context): ByteStream | Pending {
    if (this.#state === "new") {
      this.#state = "opening";
      const s = createReadStream(this.#path, {
        start: this.#options.start,
        end: this.#options.end,
        highWaterMark: this.#options.chunkSize ?? 64 * 1024,
      });
      s.pause();
      this.#stream = s;
      const onReady = (): void => {
        s.off("error", onError);
        this.#state = "open";
        this.#wake();
      };
      const onError = (error: unknown): void => {
        s.off("ready", onReady);
        this.#state = "failed";
        this.#error = error;
        this.#wake();
      };
      s.once("ready", onReady);
      s.once("error", onError);
    }
    if (this.#state === "open") {
      this.settled();
      this.#taken = true;
      const stream = nodeByteStream(this.#stream as ReadStream, true, `file ${this.#path}`);
      stream._opened(this.#site, "file");
      return stream;
    }
    if (this.#state === "failed") {
      this.settled();
      throw this.#error;
    }
    this.#waker = cx.waker;
    this.waiting();
    return PENDING;
  }

  #wake(): void {
    const w = this.#waker;
    this.#waker = null;
    w?.wake();
  }

  protected override dropped(): void {
    this.#waker = null;
    if (!this.#taken) this.#stream?.destroy(); // opened or not: nothing stays open
  }

  override describe(): string {
    return `open reader ${this.#path}`;
  }
}

/**
 * Opens the file at `path` for streaming reads and returns it as a
 * `ByteStream` (`read`, `readExact`, `readLine`, `readAll`), which the caller
 * owns: declare it with `using` or close it.
 *
 * Cancellation: safe; a file opened meanwhile is closed.
 * Throws: Node's error with its code (ENOENT, EISDIR, EACCES) and the path.
 *
 * @example
 * let errors = 0;
 * using lines = yield* reader("access.log");
 * for (let line = yield* lines.readLine(); line !== null; line = yield* lines.readLine()) {
 *   if (line.includes(" 500 ")) errors++;
 * }
 */
export function reader(path: string, options: ReaderOptions = {}): Future<ByteStream> {
  checkPath(path, "reader(path)");
  return trackCreation(new OpenReader(path, options));
}
