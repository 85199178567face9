/** Whole-file and directory operations: `readFile`, `writeFile`, `appendFile`, `readDir`, `stat`, `rm`, `mkdir`. */

import type { Dirent, Stats } from "node:fs";
import fsp from "node:fs/promises";
import type { Future } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { FsOp } from "./op.js";

/** @internal Throws unless `path` is a non-empty string. */
export function checkPath(path: unknown, where: string): void {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`${where}: path must be a non-empty string`);
  }
}

/**
 * Reads a whole file: bytes, or text given an encoding (`"utf8"`).
 *
 * Cancellation: safe; the read is aborted and its file handle closed.
 * Throws: Node's error with its code (ENOENT, EISDIR, EACCES) and the path.
 *
 * @example
 * const config = JSON.parse(yield* readFile("config.json", "utf8"));
 */
export function readFile(path: string): Future<Buffer>;
export function readFile(path: string, encoding: BufferEncoding): Future<string>;
export function readFile(path: string, encoding?: BufferEncoding): Future<Buffer | string> {
  checkPath(path, "readFile(path)");
  return trackCreation(
    new FsOp<Buffer | string>(`readFile ${path}`, (signal) =>
      encoding === undefined
        ? fsp.readFile(path, { signal })
        : fsp.readFile(path, { signal, encoding }),
    ),
  );
}

/** Options for `writeFile` and `appendFile`. */
export interface WriteFileOptions {
  /** Permissions for a new file. @default 0o666 (less the umask) */
  mode?: number;
}

/**
 * Replaces the file's contents with `data` (a string as UTF-8), creating the
 * file if needed.
 *
 * Cancellation: the write is aborted between chunks; the file may hold part
 * of the data. Its file handle is closed either way.
 * Throws: Node's error with its code (ENOENT for a missing directory, EACCES).
 *
 * @example
 * yield* writeFile("out.txt", "hello\n");
 */
export function writeFile(
  path: string,
  data: Uint8Array | string,
  options: WriteFileOptions = {},
): Future<void> {
  checkPath(path, "writeFile(path)");
  return trackCreation(
    new FsOp(`writeFile ${path}`, (signal) =>
      fsp.writeFile(path, data, { signal, mode: options.mode }),
    ),
  );
}

/**
 * Appends `data` (a string as UTF-8) to the file, creating it if needed.
 *
 * Cancellation: stops waiting (Node cannot abort an append); the data may
 * still be appended.
 * Throws: Node's error with its code.
 *
 * @example
 * yield* appendFile("log.txt", `${new Date().toISOString()} started\n`);
 */
export function appendFile(
  path: string,
  data: Uint8Array | string,
  options: WriteFileOptions = {},
): Future<void> {
  checkPath(path, "appendFile(path)");
  return trackCreation(
    new FsOp(`appendFile ${path}`, () =>
      fsp.appendFile(path, data, { mode: options.mode, flag: "a" }),
    ),
  );
}

/**
 * Lists a directory: one `Dirent` per entry (`name`, `isFile()`,
 * `isDirectory()`, ...), sorted by name, without "." and "..".
 *
 * Cancellation: stops waiting; nothing changes.
 * Throws: Node's error with its code (ENOENT, ENOTDIR).
 *
 * @example
 * for (const entry of yield* readDir(".")) if (entry.isFile()) console.log(entry.name);
 */
export function readDir(path: string): Future<Dirent[]> {
  checkPath(path, "readDir(path)");
  return trackCreation(
    new FsOp(
      `readDir ${path}`,
      () => fsp.readdir(path, { withFileTypes: true }),
      (entries) => entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    ),
  );
}

/**
 * The metadata of the file at `path` (following symbolic links).
 *
 * Cancellation: stops waiting; nothing changes.
 * Throws: Node's error with its code (ENOENT).
 *
 * @example
 * const { size, mtimeMs } = yield* stat("data.bin");
 */
export function stat(path: string): Future<Stats> {
  checkPath(path, "stat(path)");
  return trackCreation(new FsOp(`stat ${path}`, () => fsp.stat(path)));
}

/** Options for `rm`. */
export interface RmOptions {
  /** Remove a directory and everything in it. @default false */
  recursive?: boolean;
  /** No error if the path does not exist. @default false */
  force?: boolean;
}

/**
 * Removes a file, or a directory tree with `{recursive: true}`.
 *
 * Cancellation: stops waiting; the removal may still happen.
 * Throws: Node's error with its code (ENOENT without `force`, EISDIR for a
 * directory without `recursive`).
 *
 * @example
 * yield* rm("build", { recursive: true, force: true });
 */
export function rm(path: string, options: RmOptions = {}): Future<void> {
  checkPath(path, "rm(path)");
  return trackCreation(
    new FsOp(`rm ${path}`, () =>
      fsp.rm(path, { recursive: options.recursive ?? false, force: options.force ?? false }),
    ),
  );
}

/** Options for `mkdir`. */
export interface MkdirOptions {
  /** Create missing parents too, and succeed if the directory exists. @default false */
  recursive?: boolean;
  /** @default 0o777 (less the umask) */
  mode?: number;
}

/**
 * Creates a directory.
 *
 * Cancellation: stops waiting; the directory may still be created.
 * Throws: Node's error with its code (EEXIST without `recursive`, ENOENT for
 * a missing parent).
 *
 * @example
 * yield* mkdir("out/reports", { recursive: true });
 */
export function mkdir(path: string, options: MkdirOptions = {}): Future<void> {
  checkPath(path, "mkdir(path)");
  return trackCreation(
    new FsOp(`mkdir ${path}`, async () => {
      await fsp.mkdir(path, { recursive: options.recursive ?? false, mode: options.mode });
    }),
  );
}
