/**
 * `open` and `File`: a file handle with its own cursor.
 *
 * The model
 * ---------
 * A `File` wraps Node's `FileHandle`. Every read and write is positional
 * (`pread`/`pwrite`) at `#position`, the file's cursor, which moves only when
 * a completed operation is taken in its poll. So a cancelled read lost
 * nothing (the next read starts at the same place) and operations may run
 * while others are in flight. Files opened for appending ("a" flags) write at
 * the end whatever the cursor says, as the system does.
 *
 * `close()` is synchronous to call and asynchronous underneath: Node's
 * `FileHandle.close()` waits for the operations in flight, then releases the
 * descriptor.
 */

import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open as openHandle } from "node:fs/promises";
import type { Future } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import {
  openingSite,
  type ResourceEntry,
  resourceClosed,
  resourceOpened,
} from "../core/resources.js";
import { codeError } from "../net/errors.js";
import { checkPath } from "./files.js";
import { FsOp } from "./op.js";

/** How a file is opened: Node's flags ("r", "r+", "w", "wx", "a", ...). */
export type OpenFlags = "r" | "r+" | "rs+" | "w" | "wx" | "w+" | "wx+" | "a" | "ax" | "a+" | "ax+";

const DEFAULT_READ = 64 * 1024;

function closeQuietly(handle: FileHandle): void {
  handle.close().catch(() => {});
}

/** An open file, from `open()`. Close it (or use `using`) when done. */
export class File implements Disposable {
  readonly #handle: FileHandle;
  readonly #path: string;
  readonly #append: boolean;
  #position = 0;
  #closed = false;
  /** Its entry in the runtime's open-resource registry (leak checks), or null. */
  readonly #leak: ResourceEntry | null;

  /** @internal Use `open()`. `site`: where it was asked for (`openingSite()`). */
  constructor(handle: FileHandle, path: string, append: boolean, site: Error | null = null) {
    this.#handle = handle;
    this.#path = path;
    this.#append = append;
    this.#leak = resourceOpened("file", () => this.toString(), site);
  }

  /** The path the file was opened with. */
  get path(): string {
    return this.#path;
  }

  /** The file descriptor (for diagnostics; do not close it yourself). */
  get fd(): number {
    return this.#handle.fd;
  }

  /** The cursor: where the next `read()`/`write()` without a position starts. */
  get position(): number {
    return this.#position;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Moves the cursor to byte `position`.
   *
   * @example
   * file.seek(0); // read again from the start
   */
  seek(position: number): void {
    checkPosition(position, "seek(position)");
    this.#position = position;
  }

  /**
   * Reads up to `size` bytes at the cursor (or at `position`, leaving the
   * cursor alone) and returns them; `null` at end of file.
   *
   * Cancellation: safe; the cursor moves only when the read completes, so a
   * cancelled read lost nothing.
   * Throws: Node's error (EISDIR, EBADF, ...); an error after `close()`.
   *
   * @example
   * for (let b = yield* file.read(); b !== null; b = yield* file.read()) out.push(b);
   */
  read(size = DEFAULT_READ, position?: number): Future<Buffer | null> {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`read(size): size must be a positive integer, got ${String(size)}`);
    }
    if (position !== undefined) checkPosition(position, "read(size, position)");
    this.#checkOpen("read");
    const at = position ?? this.#position;
    const handle = this.#handle;
    return trackCreation(
      new FsOp(
        `read ${this.#path}`,
        async () => {
          const buffer = Buffer.allocUnsafe(size);
          const { bytesRead } = await handle.read(buffer, 0, size, at);
          return bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
        },
        (buffer) => {
          if (buffer.length === 0) return null;
          if (position === undefined) this.#position = at + buffer.length;
          return buffer;
        },
      ),
    );
  }

  /**
   * Writes all of `data` (a string as UTF-8) at the cursor (or at `position`,
   * leaving the cursor alone), and moves the cursor past it.
   *
   * Cancellation: the system cannot take back a write that has started: a
   * cancelled write may have written some or all of its bytes, but the cursor
   * does not move.
   * Throws: Node's error (ENOSPC, EBADF, ...); an error after `close()`.
   *
   * @example
   * yield* file.write("line\n");
   */
  write(data: Uint8Array | string, position?: number): Future<void> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new TypeError("write(data): data must be a Uint8Array (Buffer) or a string");
    }
    if (position !== undefined) checkPosition(position, "write(data, position)");
    this.#checkOpen("write");
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    const at = this.#append ? null : (position ?? this.#position);
    const handle = this.#handle;
    return trackCreation(
      new FsOp(
        `write ${this.#path}`,
        async (signal) => {
          let done = 0;
          while (done < bytes.length) {
            signal.throwIfAborted();
            const { bytesWritten } = await handle.write(
              bytes,
              done,
              bytes.length - done,
              at === null ? null : at + done,
            );
            done += bytesWritten;
          }
          return done;
        },
        (written) => {
          if (position === undefined && at !== null) this.#position = at + written;
        },
      ),
    );
  }

  /**
   * The file's metadata (size, times, mode, ...).
   *
   * Cancellation: safe; nothing changes.
   *
   * @example
   * const { size } = yield* file.stat();
   */
  stat(): Future<Stats> {
    this.#checkOpen("stat");
    const handle = this.#handle;
    return trackCreation(new FsOp(`stat ${this.#path}`, () => handle.stat()));
  }

  /**
   * Flushes the file's data and metadata to the storage device (`fsync`).
   *
   * Cancellation: stops waiting; the flush still happens.
   *
   * @example
   * yield* file.sync();
   */
  sync(): Future<void> {
    this.#checkOpen("sync");
    const handle = this.#handle;
    return trackCreation(new FsOp(`sync ${this.#path}`, () => handle.sync()));
  }

  /**
   * Closes the file: at once for the caller; the descriptor is released as
   * soon as operations still in flight finish. Idempotent.
   *
   * @example
   * file.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    resourceClosed(this.#leak);
    closeQuietly(this.#handle);
  }

  /** `using` support: closes the file when the block ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `File(${this.#path})`;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw codeError("EBADF", `${what} ${this.#path}: the file is closed`);
  }
}

function checkPosition(position: number, where: string): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`${where}: position must be a non-negative integer, got ${position}`);
  }
}

/**
 * Opens the file at `path` (flags as Node's: "r" read, "r+" read/write, "w"
 * create or truncate, "wx" create exclusively, "a" append, ...) and returns a
 * `File`, which the caller owns: declare it with `using` or close it.
 *
 * Cancellation: safe; if the file was opened after all, it is closed at once.
 * Throws: Node's error with its code (ENOENT, EACCES, EEXIST, EISDIR) and the path.
 *
 * @example
 * using file = yield* open("data.bin", "r");
 * const head = yield* file.read(16);
 */
export function open(path: string, flags: OpenFlags = "r", mode = 0o666): Future<File> {
  checkPath(path, "open(path)");
  const site = openingSite();
  return trackCreation(
    new FsOp(
      `open ${path}`,
      () => openHandle(path, flags, mode),
      (handle) => new File(handle, path, flags.startsWith("a"), site),
      closeQuietly,
    ),
  );
}
