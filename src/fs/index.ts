/**
 * `corio/fs`: files for coroutines. Whole-file helpers (`readFile`,
 * `writeFile`, `appendFile`), directories (`readDir`, `mkdir`, `rm`, `stat`),
 * `open` → `File` with positional and cursor I/O, and `reader` → a
 * `ByteStream` for line-by-line reading.
 *
 * The work runs on libuv's thread pool (Node's `fs/promises`); each pending
 * operation counts as outside work for the runtime. Cancellation aborts the
 * operation where Node allows it (an `AbortSignal`) and never leaves a file
 * handle open: a file opened by a cancelled `open` is closed at once.
 * Ownership: the holder closes a `File` or reader — with `using`, or
 * `close()` in a `finally`.
 *
 * @module
 */
export type { OpenFlags } from "./file.js";
export { File, open } from "./file.js";
export type { MkdirOptions, RmOptions, WriteFileOptions } from "./files.js";
export { appendFile, mkdir, readDir, readFile, rm, stat, writeFile } from "./files.js";
export type { ReaderOptions } from "./reader.js";
export { reader } from "./reader.js";
