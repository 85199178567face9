/**
 * A parallel file hasher: sha256 of every file given, on all cores.
 *
 * Hashing is CPU work: on the event loop, a 50 MB file would freeze every
 * other task for a quarter of a second. Here each file is a task whose one
 * step is `yield* runInWorker(...)`: the hashing runs on the default worker
 * pool (one thread per core), the loop stays free to print progress, and the
 * pool's queue, not the task count, bounds how many files are hashed at once.
 *
 * What to notice:
 * - the worker module is named by URL (`new URL("./hash-file.ts", import.meta.url)`):
 *   a thread imports it itself, so a relative path would be ambiguous;
 * - Ctrl-C cancels `main`'s task tree: jobs still queued are dropped, running
 *   ones have their threads terminated, and the program reports how far it got
 *   once those threads are gone (exit code 130);
 * - while a task waits, `corio ps` shows what on: "worker job sha256File in hash-file.ts".
 *
 *   npx tsx examples/parallel-hasher.ts FILE|DIR...
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Coroutine, main, spawn, type Task } from "corio";
import { runInWorker } from "corio/worker";
import type { FileDigest } from "./hash-file.ts";

const hashFile = new URL("./hash-file.ts", import.meta.url);

export interface HashedFile extends FileDigest {
  path: string;
}

/** Files to hash: each FILE, and the regular files directly inside each DIR. */
export function filesOf(args: readonly string[]): string[] {
  return args.flatMap((arg) =>
    statSync(arg).isDirectory()
      ? readdirSync(arg, { withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => join(arg, entry.name))
          .sort()
      : [arg],
  );
}

interface Progress {
  done: number;
  total: number;
  log: (line: string) => void;
}

/** One file's task: hashes it on the pool, then logs a progress line. */
function* hashOne(path: string, progress: Progress): Coroutine<HashedFile> {
  const result = yield* runInWorker<FileDigest>(hashFile, "sha256File", [path]);
  progress.done++;
  progress.log(
    `[${progress.done}/${progress.total}] ${result.digest}  ${path} (${result.bytes} bytes)`,
  );
  return { path, ...result };
}

/**
 * Hashes `paths` in parallel on the default pool; `log` gets a progress line
 * as each file completes. Returns the digests in the order of `paths`.
 * Cancellation: every file's job is cancelled; returns only after their
 * threads are gone, having logged how many files were done.
 */
export function* hashFiles(
  paths: readonly string[],
  log: (line: string) => void = console.log,
): Coroutine<HashedFile[]> {
  const progress: Progress = { done: 0, total: paths.length, log };
  // A task per file, each started from `hashOne`, defined once and called with the file:
  // cheaper than a `function*` written inline per file (docs/concepts.md, the fast idiom).
  const jobs: Task<HashedFile>[] = paths.map((path) =>
    spawn(hashOne(path, progress), { name: `hash ${path}` }),
  );
  let finished = false;
  try {
    const results: HashedFile[] = [];
    for (const job of jobs) results.push(yield* job);
    finished = true;
    return results;
  } finally {
    if (!finished) log(`cancelled: ${progress.done} of ${paths.length} files hashed`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(function* () {
    const paths = filesOf(process.argv.slice(2));
    if (paths.length === 0) {
      console.error("usage: npx tsx examples/parallel-hasher.ts FILE|DIR...");
      return;
    }
    console.log(`hashing ${paths.length} files on the worker pool`);
    const started = performance.now();
    const results = yield* hashFiles(paths);
    const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
    console.log(
      `done: ${results.length} files, ${(bytes / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - started)} ms`,
    );
  });
}
