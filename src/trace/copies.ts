/**
 * `corio ps` on the primary of `corio run --workers N`: the primary runs no
 * runtime, so it answers with the pids of its copies
 * (`answerListingsForCopies` in inspect.ts), and the reader asks each copy in
 * turn. This file is the reader's half and the printing.
 */
import { readFileSync } from "node:fs";
import type { CopySnapshot, TaskSnapshot } from "./inspect.js";
import { InspectError, type ReadSnapshotOptions } from "./read.js";

/**
 * The pids of the copies in a primary's answer `text`, or `undefined` for any
 * other process's answer. Throws `InspectError` (EINSECURE) if they are not pids.
 */
export function copyPidsIn(text: string, pid: number): number[] | undefined {
  if (!text.includes('"copies":')) return undefined; // the common case: no second parse
  const copies = (JSON.parse(text) as { copies?: unknown }).copies;
  if (copies === undefined) return undefined;
  if (!Array.isArray(copies) || !copies.every((c) => Number.isSafeInteger(c) && c > 0))
    throw new InspectError(
      "EINSECURE",
      pid,
      `the snapshot from process ${pid} is malformed: copies that are not pids`,
    );
  return copies as number[];
}

/** Reads each copy of the primary `snapshot.pid` (in parallel, within `timeoutMs`). */
export async function readCopies(
  snapshot: TaskSnapshot,
  pids: readonly number[],
  timeoutMs: number,
  read: (pid: number, options: ReadSnapshotOptions) => Promise<TaskSnapshot>,
): Promise<TaskSnapshot> {
  const copies = await Promise.all(
    pids.map(async (pid): Promise<CopySnapshot> => {
      // Only the primary's own children: its file must not make us signal anyone else.
      if (!isChildOf(pid, snapshot.pid))
        return { pid, error: `process ${pid} is not a copy of ${snapshot.pid}` };
      try {
        return { pid, snapshot: await read(pid, { timeoutMs }) };
      } catch (error) {
        return { pid, error: (error as Error).message };
      }
    }),
  );
  return { ...snapshot, copies };
}

/** True unless the system shows that `pid`'s parent is not `parent` (Linux's /proc). */
function isChildOf(pid: number, parent: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return process.platform !== "linux";
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[1]) === parent;
}

/**
 * The copies of a primary as text: one section per copy, headed
 * `copy I of N (pid P)`, with `each(snapshot)` as its body (`formatTaskTree`,
 * or a table), or why it could not be read.
 *
 * @example
 * const snap = await readTaskSnapshot(primaryPid);
 * if (snap.copies) console.log(formatCopies(snap.copies, formatTaskTree));
 */
export function formatCopies(
  copies: readonly CopySnapshot[],
  each: (snapshot: TaskSnapshot) => string,
): string {
  if (copies.length === 0) return "(no copies are running)";
  return copies
    .map((c, i) => {
      const body = c.snapshot === undefined ? `(not listed: ${c.error})` : each(c.snapshot);
      return `copy ${i + 1} of ${copies.length} (pid ${c.pid})\n${body}`;
    })
    .join("\n\n");
}
