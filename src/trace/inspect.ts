/**
 * The target side of `corio ps PID`: a process answers a signal by writing a
 * snapshot of its task trees to a file only its user can read.
 *
 * The model (docs/observability.md, "Listing a live process")
 * ---------
 * While at least one runtime is active (a `run()` in progress), the process
 * listens for SIGURG. On the signal it writes `<pid>.json` — `{pid, takenAt,
 * argv, runtimes: [{tasks, dump, truncated}]}` — into its per-user directory
 * (`$XDG_RUNTIME_DIR/corio/`, else `<tmpdir>/corio-<uid>/`), created 0700; the
 * file is written 0600 under a temporary name and renamed, so a reader never
 * sees half a file. A directory that is not ours, not a directory, or open to
 * other users is refused: nothing is written.
 *
 * Why SIGURG: its default action is to do nothing, so a process that does not
 * use corio (or a mistyped PID) ignores it, where SIGUSR2 would kill it; Node
 * reserves SIGUSR1 (inspector) and uses SIGWINCH for terminals; the kernel
 * sends SIGURG only for out-of-band socket data to processes that asked
 * (F_SETOWN), which Node never does. Listening adds a listener beside any the
 * program has (Node calls all of them), and removing ours leaves theirs.
 *
 * Opt-out: `CORIO_INSPECT=0` in the environment (read when the first runtime
 * becomes active). Not on Windows (no signals). Signals reach the main thread
 * only: a worker runtime (`spawnWorker`) is asked over its port (threads.ts),
 * and its runtimes are listed with `thread` and `spawnedBy` set.
 */
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { isAbsolute, join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { renderTaskTree } from "../core/instrument.js";
import type { TaskInfo } from "../core/runtime.js";
import { activeRuntimeList } from "../core/runtime.js";
import { hasThreadSources, threadSnapshots, WORKER_ANSWER_MS } from "./threads.js";

/** The signal `corio ps` sends. */
export const INSPECT_SIGNAL = "SIGURG";

/** Tasks listed per runtime at most (a snapshot of a million tasks would stall the target). */
export const MAX_SNAPSHOT_TASKS = 100_000;

/** One runtime in a snapshot. */
export interface RuntimeSnapshot {
  tasks: TaskInfo[];
  /** The task tree as `runtime.dump()` renders it. */
  dump: string;
  /** True if the runtime had more than `MAX_SNAPSHOT_TASKS` tasks and the list was cut. */
  truncated: boolean;
  /** Set for a runtime of a worker thread (`spawnWorker`): its `threadId`. */
  thread?: number;
  /** For a worker thread's runtime: the id of the task (in the spawning thread) whose body it runs. */
  spawnedBy?: number;
  /** For a worker thread that did not answer in time (busy computing): its tasks are not listed. */
  busy?: boolean;
}

/** What `corio ps` reads from a live process. */
export interface TaskSnapshot {
  pid: number;
  /** When the snapshot was taken (`Date.now()` in the target). */
  takenAt: number;
  /** The target's `process.argv`. */
  argv: string[];
  /** Every runtime with a run in progress, in the order they started. */
  runtimes: RuntimeSnapshot[];
  /**
   * The primary of `corio run --workers N` runs no program: it lists its
   * copies instead, each one's own snapshot (or why it could not be read).
   * Absent for any other process. See copies.ts.
   */
  copies?: CopySnapshot[];
}

/** One copy of a `corio run --workers N` program, as its primary lists it. */
export type CopySnapshot =
  | { pid: number; snapshot: TaskSnapshot; error?: undefined }
  | { pid: number; snapshot?: undefined; error: string };

/** True if `env` opts out of being listed (`CORIO_INSPECT=0`). */
export function optedOut(env: Record<string, string | undefined>): boolean {
  const v = env.CORIO_INSPECT;
  return v === "0" || v?.toLowerCase() === "false" || v?.toLowerCase() === "off";
}

/** The per-user directory snapshots go to, for a process with environment `env` and user `uid`. */
export function snapshotDir(env: Record<string, string | undefined>, uid: number): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, "corio");
  // As os.tmpdir() on POSIX.
  let tmp = env.TMPDIR || env.TMP || env.TEMP || "/tmp";
  if (tmp.length > 1 && tmp.endsWith("/")) tmp = tmp.slice(0, -1);
  return join(tmp, `corio-${uid}`);
}

/** Why a directory or file must not be trusted, or null if it is safe. */
export function insecurity(
  st: { isDirectory(): boolean; isFile(): boolean; uid: number; mode: number },
  uid: number,
  kind: "directory" | "file",
): string | null {
  if (kind === "directory" ? !st.isDirectory() : !st.isFile())
    return `is not a ${kind === "directory" ? "directory" : "regular file"} (a symbolic link?)`;
  if (st.uid !== uid) return `belongs to uid ${st.uid}, not ${uid}`;
  if ((st.mode & 0o077) !== 0)
    return `is open to other users (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}; it must be 0${kind === "directory" ? 700 : 600})`;
  return null;
}

let listening = false;
let lastDump = 0;
let warned = false;

/** The first runtime became active: listen for `corio ps` (unless opted out). */
export function attachInspector(): void {
  // Signals reach only the main thread; Windows has none.
  if (listening || !isMainThread || process.platform === "win32" || optedOut(process.env)) return;
  process.on(INSPECT_SIGNAL, onSignal);
  listening = true;
}

/** No runtime is active any more. */
export function detachInspector(): void {
  if (!listening) return;
  process.off(INSPECT_SIGNAL, onSignal);
  listening = false;
}

function onSignal(): void {
  const now = Date.now();
  if (now - lastDump < 10) return; // a burst of signals gets one answer
  lastDump = now;
  const snapshot = takeSnapshot();
  if (!hasThreadSources()) {
    answer(snapshot);
    return;
  }
  // Worker threads answer over their ports, each within the budget.
  threadSnapshots(WORKER_ANSWER_MS).then(
    (workers) => {
      snapshot.runtimes.push(...workers);
      answer(snapshot);
    },
    () => answer(snapshot),
  );
}

function answer(snapshot: TaskSnapshot): void {
  try {
    writeSnapshot(snapshot);
  } catch (error) {
    if (!warned) {
      warned = true;
      console.error(
        `corio: could not answer a task listing request (corio ps): ${(error as Error).message}`,
      );
    }
  }
}

/** A snapshot of every active runtime of this process. */
function takeSnapshot(): TaskSnapshot {
  return {
    pid: process.pid,
    takenAt: Date.now(),
    argv: process.argv,
    runtimes: localRuntimes(),
  };
}

/** The runtimes of this thread with a run in progress (a worker thread answers with these too). */
export function localRuntimes(): RuntimeSnapshot[] {
  return activeRuntimeList().map((rt) => {
    let tasks = rt.tasks();
    const truncated = tasks.length > MAX_SNAPSHOT_TASKS;
    if (truncated) tasks = tasks.slice(0, MAX_SNAPSHOT_TASKS);
    return { tasks, dump: renderTaskTree(tasks), truncated };
  });
}

function writeSnapshot(snapshot: TaskSnapshot): void {
  const uid = (process.getuid as () => number)();
  const dir = snapshotDir(process.env, uid);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const problem = insecurity(lstatSync(dir), uid, "directory");
  if (problem !== null) throw new Error(`refusing to write to ${dir}: it ${problem}`);
  const tmp = join(dir, `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, JSON.stringify(snapshot));
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, join(dir, `${process.pid}.json`));
  } catch (error) {
    unlinkSync(tmp);
    throw error;
  }
}

/**
 * For the primary of `corio run --workers N`, which runs no runtime: answers
 * `corio ps` with the pids of its copies (`copyPids()` when asked), and the
 * reader asks each copy itself (copies.ts). Returns the function that stops
 * answering.
 */
export function answerListingsForCopies(copyPids: () => number[]): () => void {
  if (process.platform === "win32" || optedOut(process.env)) return () => {};
  const onRequest = (): void => {
    const now = Date.now();
    if (now - lastDump < 10) return; // a burst of signals gets one answer
    lastDump = now;
    // The file holds the copies as pids; readTaskSnapshot replaces them with their snapshots.
    const file = {
      pid: process.pid,
      takenAt: now,
      argv: process.argv,
      runtimes: [],
      copies: copyPids(),
    };
    try {
      writeSnapshot(file as unknown as TaskSnapshot);
    } catch (error) {
      console.error(
        `corio: could not answer a task listing request (corio ps): ${(error as Error).message}`,
      );
    }
  };
  process.on(INSPECT_SIGNAL, onRequest);
  return () => process.off(INSPECT_SIGNAL, onRequest);
}
