/**
 * The reader side of `corio ps PID`: ask a live process for its task trees
 * (see `inspect.ts` for the target side and the model).
 */
import { constants, lstatSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { oneLine } from "../core/instrument.js";
import type { TaskInfo } from "../core/runtime.js";
import { copyPidsIn, readCopies } from "./copies.js";
import type { RuntimeSnapshot, TaskSnapshot } from "./inspect.js";
import { INSPECT_SIGNAL, insecurity, optedOut, snapshotDir } from "./inspect.js";

/** Why a process could not be listed. */
export type InspectErrorCode =
  /** No process has that pid (or it exited while we waited). */
  | "ESRCH"
  /** The process belongs to another user (only its user or root may list it). */
  | "EPERM"
  /** The snapshot directory or file is not safe: wrong owner, open to others, or not what it should be. */
  | "EINSECURE"
  /** The process runs with CORIO_INSPECT=0. */
  | "EOPTOUT"
  /** No answer in time: it does not use corio, has no run in progress, or its event loop is blocked. */
  | "ETIMEDOUT"
  /** Not available on this platform (Windows has no signals). */
  | "ENOTSUP";

/** The error `readTaskSnapshot` rejects with; `code` says why. */
export class InspectError extends Error {
  readonly code: InspectErrorCode;
  readonly pid: number;
  constructor(code: InspectErrorCode, pid: number, message: string) {
    super(message);
    this.name = "InspectError";
    this.code = code;
    this.pid = pid;
  }
}

/** Options for `readTaskSnapshot`. */
export interface ReadSnapshotOptions {
  /** How long to wait for the answer (ms). @default 3000 */
  timeoutMs?: number;
}

/** How long to wait for an answer before asking again. */
const RESIGNAL_MS = 1000;
const POLL_MS = 10;

/**
 * Asks the live process `pid` for a snapshot of its tasks (what `corio ps` and
 * `corio pstree` print): sends it SIGURG and reads the file it answers with.
 * The process needs no change to its code: any process with a corio run in
 * progress answers, unless it set CORIO_INSPECT=0. The primary of
 * `corio run --workers N` answers with its copies, each of which is then read
 * in turn (`copies`), within the same timeout. Only its own user (or root)
 * can ask, and the answer is a file only that user can read.
 *
 * Cancellation: not a corio operation; a plain `async` function.
 * Throws: `InspectError` (see its `code`), or `TypeError` for a bad pid.
 *
 * @example
 * const snap = await readTaskSnapshot(pid);
 * for (const rt of snap.runtimes) console.log(formatTaskTable(rt.tasks));
 */
export async function readTaskSnapshot(
  pid: number,
  options: ReadSnapshotOptions = {},
): Promise<TaskSnapshot> {
  if (!Number.isSafeInteger(pid) || pid <= 0)
    throw new TypeError(`readTaskSnapshot: pid must be a positive integer, got ${String(pid)}`);
  const { timeoutMs = 3000 } = options;
  if (typeof timeoutMs !== "number" || !(timeoutMs >= 0))
    throw new RangeError("readTaskSnapshot: timeoutMs must be a number >= 0");
  if (process.platform === "win32")
    throw new InspectError(
      "ENOTSUP",
      pid,
      "listing another process's tasks needs POSIX signals (not on Windows)",
    );

  alive(pid); // ESRCH / EPERM
  const me = (process.getuid as () => number)();
  const target = targetInfo(pid);
  const uid = target.uid ?? me;
  if (me !== 0 && uid !== me)
    throw new InspectError(
      "EPERM",
      pid,
      `process ${pid} belongs to uid ${uid}: only its user or root may list its tasks`,
    );
  const env = target.env ?? process.env;
  if (optedOut(env))
    throw new InspectError(
      "EOPTOUT",
      pid,
      `process ${pid} opted out of task listings (CORIO_INSPECT=0)`,
    );

  const dir = snapshotDir(env, uid);
  const file = join(dir, `${pid}.json`);
  checkDir(dir, uid, pid);
  try {
    unlinkSync(file); // a stale answer must not pass for a fresh one
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }

  try {
    process.kill(pid, INSPECT_SIGNAL);
  } catch (error) {
    throw fromKill(error, pid);
  }
  const start = performance.now();
  const deadline = start + timeoutMs;
  let signalled = start;
  for (;;) {
    const answer = await tryRead(file, uid, pid);
    if (answer !== null) {
      const [snapshot, copies] = answer;
      if (copies === undefined) return snapshot;
      return readCopies(
        snapshot,
        copies,
        Math.max(0, deadline - performance.now()),
        readTaskSnapshot,
      );
    }
    const now = performance.now();
    if (now >= deadline) break;
    // The target answers one signal of a burst, and a busy one may take the
    // request as part of an earlier burst: ask again now and then.
    if (now - signalled >= RESIGNAL_MS) {
      signalled = now;
      try {
        process.kill(pid, INSPECT_SIGNAL);
      } catch (error) {
        throw fromKill(error, pid);
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    alive(pid);
  }
  throw new InspectError(
    "ETIMEDOUT",
    pid,
    `process ${pid} did not answer within ${timeoutMs} ms: it does not use corio, has no run in progress, ` +
      "or its event loop is blocked",
  );
}

/** Throws ESRCH / EPERM unless we may signal `pid`. */
function alive(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (error) {
    throw fromKill(error, pid);
  }
}

function fromKill(error: unknown, pid: number): InspectError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EPERM")
    return new InspectError(
      "EPERM",
      pid,
      `process ${pid} belongs to another user: only its user or root may list its tasks`,
    );
  return new InspectError("ESRCH", pid, `no process with pid ${pid}`);
}

/** The target's user and environment, where the system shows them (Linux's /proc). */
function targetInfo(pid: number): {
  uid: number | null;
  env: Record<string, string | undefined> | null;
} {
  // Our own process: /proc shows the environment it started with, not today's.
  if (pid === process.pid) return { uid: (process.getuid as () => number)(), env: process.env };
  let uid: number | null = null;
  let env: Record<string, string> | null = null;
  try {
    uid = statSync(`/proc/${pid}`).uid;
  } catch {}
  try {
    env = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } catch {
    env = null;
  }
  return { uid, env };
}

function checkDir(dir: string, uid: number, pid: number): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // the target creates it
    throw error;
  }
  const problem = insecurity(st, uid, "directory");
  if (problem !== null)
    throw new InspectError(
      "EINSECURE",
      pid,
      `the snapshot directory ${dir} ${problem}; remove it or fix it`,
    );
}

/** The snapshot in `file` and, from a cluster's primary, the pids of its copies. */
async function tryRead(
  file: string,
  uid: number,
  pid: number,
): Promise<[TaskSnapshot, number[] | undefined] | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP")
      throw new InspectError("EINSECURE", pid, `the snapshot file ${file} is a symbolic link`);
    throw error;
  }
  let text: string;
  try {
    const problem = insecurity(await handle.stat(), uid, "file");
    if (problem !== null)
      throw new InspectError("EINSECURE", pid, `the snapshot file ${file} ${problem}`);
    text = await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
  try {
    unlinkSync(file);
  } catch {}
  return [parseSnapshot(text, pid), copyPidsIn(text, pid)];
}

/** Parses and checks the shape of a snapshot (the file is data only: nothing in it is run). */
function parseSnapshot(text: string, pid: number): TaskSnapshot {
  const bad = (why: string): InspectError =>
    new InspectError("EINSECURE", pid, `the snapshot from process ${pid} is malformed: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  const s = raw as Partial<TaskSnapshot>;
  if (typeof s !== "object" || s === null || s.pid !== pid) throw bad("wrong pid");
  if (typeof s.takenAt !== "number" || !Array.isArray(s.argv) || !Array.isArray(s.runtimes))
    throw bad("missing fields");
  const runtimes: RuntimeSnapshot[] = s.runtimes.map((r: Partial<RuntimeSnapshot>) => {
    if (
      typeof r !== "object" ||
      r === null ||
      !Array.isArray(r.tasks) ||
      typeof r.dump !== "string"
    )
      throw bad("a runtime without tasks");
    const runtime: RuntimeSnapshot = {
      tasks: r.tasks.map((t) => checkTask(t, bad)),
      // Text from the target gets displayed: no control characters but line breaks.
      dump: r.dump.split("\n").map(oneLine).join("\n"),
      truncated: r.truncated === true,
    };
    // A worker thread's runtime (spawnWorker).
    if (typeof r.thread === "number") runtime.thread = r.thread;
    if (typeof r.spawnedBy === "number") runtime.spawnedBy = r.spawnedBy;
    if (r.busy === true) runtime.busy = true;
    return runtime;
  });
  return { pid, takenAt: s.takenAt, argv: s.argv.map((a) => oneLine(String(a))), runtimes };
}

function checkTask(t: unknown, bad: (why: string) => Error): TaskInfo {
  const x = t as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
  const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
  if (typeof x !== "object" || x === null || typeof x.id !== "number" || typeof x.name !== "string")
    throw bad("a task without id or name");
  return {
    id: x.id,
    name: x.name,
    parent: num(x.parent),
    state: String(x.state) as TaskInfo["state"],
    waitingOn: str(x.waitingOn),
    spawnedAt: str(x.spawnedAt),
    polls: num(x.polls),
    busyMs: num(x.busyMs),
    idleMs: num(x.idleMs),
    sinceWakeMs: num(x.sinceWakeMs),
  };
}
