/** Text renderings of task listings: the `corio ps` table and the `corio pstree` tree. */
import { oneLine, renderTaskTree, taskLine } from "../core/instrument.js";
import type { TaskInfo } from "../core/runtime.js";
import type { RuntimeSnapshot, TaskSnapshot } from "./inspect.js";

/** Longest name shown in a table column; longer ones are cut with "…". */
const NAME_WIDTH = 32;

interface Column {
  title: string;
  right: boolean;
  cell(t: TaskInfo): string;
}

/**
 * The task table `corio ps` prints: one row per task, with ID, PARENT, STATE,
 * NAME and WAITING ON, plus POLLS, BUSY ms, IDLE ms and SINCE WAKE ms when the
 * runtime keeps statistics, and SPAWNED AT in debug mode. Control characters in
 * names and descriptions are escaped.
 *
 * @example
 * console.log(formatTaskTable(runtime.tasks()));
 * //  ID  PARENT  STATE    NAME    WAITING ON
 * //   1       -  waiting  main    join worker
 * //   2       1  waiting  worker  sleep 250 ms (120 ms left)
 */
export function formatTaskTable(listing: TaskSnapshot | readonly TaskInfo[]): string {
  if (!Array.isArray(listing)) return snapshotTable(listing as TaskSnapshot);
  const tasks = listing as readonly TaskInfo[];
  return table(tasks, null);
}

function table(tasks: readonly TaskInfo[], threadOf: Map<TaskInfo, string> | null): string {
  const stats = tasks.some((t) => t.polls !== null);
  const sites = tasks.some((t) => t.spawnedAt !== null);
  const columns: Column[] = [];
  if (threadOf !== null)
    columns.push({ title: "THREAD", right: false, cell: (t) => threadOf.get(t) ?? "main" });
  columns.push(
    { title: "ID", right: true, cell: (t) => String(t.id) },
    { title: "PARENT", right: true, cell: (t) => (t.parent === null ? "-" : String(t.parent)) },
    { title: "STATE", right: false, cell: (t) => t.state },
  );
  if (stats) {
    columns.push(
      { title: "POLLS", right: true, cell: (t) => (t.polls === null ? "-" : String(t.polls)) },
      { title: "BUSY ms", right: true, cell: (t) => msCell(t.busyMs) },
      { title: "IDLE ms", right: true, cell: (t) => msCell(t.idleMs) },
      { title: "SINCE WAKE ms", right: true, cell: (t) => msCell(t.sinceWakeMs) },
    );
  }
  columns.push({ title: "NAME", right: false, cell: (t) => cut(oneLine(t.name)) });
  if (sites)
    columns.push({ title: "SPAWNED AT", right: false, cell: (t) => oneLine(t.spawnedAt ?? "-") });
  columns.push({ title: "WAITING ON", right: false, cell: (t) => oneLine(t.waitingOn ?? "-") });

  const rows = tasks.map((t) => columns.map((c) => c.cell(t)));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => {
        const w = widths[i] as number;
        if (i === cells.length - 1) return cell; // the last column is not padded
        return (columns[i] as Column).right ? cell.padStart(w) : cell.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)].join("\n");
}

/**
 * The task trees `corio pstree` prints: for each runtime of the snapshot, one
 * line per task (`name #id [state] waiting-on`), children under their parent.
 * A process with several runtimes gets a header line per runtime. Also takes
 * a plain task list (one runtime).
 *
 * @example
 * console.log(formatTaskTree(await readTaskSnapshot(pid)));
 * // main #1 [waiting] join worker
 * // └─ worker #2 [waiting] sleep 250 ms (120 ms left)
 */
export function formatTaskTree(snapshot: TaskSnapshot | readonly TaskInfo[]): string {
  if (Array.isArray(snapshot)) return renderTaskTree(snapshot as readonly TaskInfo[]);
  const { runtimes } = snapshot as TaskSnapshot;
  if (runtimes.length === 0) return "(no runtime is running)";
  if (runtimes.some((r) => r.thread !== undefined)) return treeAcrossThreads(runtimes);
  return runtimes
    .map((rt, i) => {
      const tree = rt.tasks.length === 0 ? "(no tasks)" : renderTaskTree(rt.tasks);
      const more = rt.truncated ? "\n… (more tasks not listed)" : "";
      if (runtimes.length === 1) return `${tree}${more}`;
      return `runtime ${i + 1} of ${runtimes.length} (${rt.tasks.length} tasks)\n${tree}${more}`;
    })
    .join("\n\n");
}

function msCell(v: number | null): string {
  if (v === null) return "-";
  return v >= 100 ? v.toFixed(0) : v.toFixed(2);
}

function cut(s: string): string {
  return s.length > NAME_WIDTH ? `${s.slice(0, NAME_WIDTH - 1)}…` : s;
}

// ------------------------------------------------------------------ worker threads

/** A worker runtime's label: "thread 3". */
function threadLabel(r: RuntimeSnapshot): string {
  return `thread ${r.thread}`;
}

function busyLine(r: RuntimeSnapshot): string {
  return `${threadLabel(r)}: busy (a step did not yield), its tasks not listed`;
}

/** The table of a snapshot: one table for every thread, worker roots under their spawning task. */
function snapshotTable(snapshot: TaskSnapshot): string {
  const threadOf = new Map<TaskInfo, string>();
  const tasks: TaskInfo[] = [];
  const notes: string[] = [];
  for (const r of snapshot.runtimes) {
    if (r.busy === true) {
      notes.push(`${busyLine(r)} (spawned by task ${r.spawnedBy})`);
      continue;
    }
    const ids = new Set(r.tasks.map((t) => t.id));
    for (const t of r.tasks) {
      // A worker's root is the body of the task that spawned it.
      const row =
        r.thread !== undefined && (t.parent === null || !ids.has(t.parent))
          ? { ...t, parent: r.spawnedBy ?? null }
          : t;
      if (r.thread !== undefined) threadOf.set(row, String(r.thread));
      tasks.push(row);
    }
  }
  const text = table(
    tasks,
    snapshot.runtimes.some((r) => r.thread !== undefined) ? threadOf : null,
  );
  return notes.length === 0 ? text : `${text}\n${notes.join("\n")}`;
}

interface Node {
  line: string;
  kids: Node[];
}

/** `pstree` across threads: each worker runtime's tree hangs under the task that spawned it. */
function treeAcrossThreads(runtimes: readonly RuntimeSnapshot[]): string {
  const byId = new Map<number, Node>();
  const forests = runtimes.map((r) => {
    if (r.busy === true) return [{ line: busyLine(r), kids: [] }];
    const ids = new Set(r.tasks.map((t) => t.id));
    const roots: Node[] = [];
    for (const t of r.tasks) {
      const root = t.parent === null || !ids.has(t.parent);
      const line =
        r.thread !== undefined && root ? `${threadLabel(r)}: ${taskLine(t)}` : taskLine(t);
      const node: Node = { line, kids: [] };
      byId.set(t.id, node);
      if (root) roots.push(node);
      else byId.get(t.parent as number)?.kids.push(node);
    }
    return roots;
  });
  const top: Node[][] = [];
  runtimes.forEach((r, i) => {
    const roots = forests[i] as Node[];
    const under = r.spawnedBy === undefined ? undefined : byId.get(r.spawnedBy);
    if (under !== undefined) under.kids.push(...roots);
    else top.push(roots);
  });
  const lines: string[] = [];
  const visit = (n: Node, prefix: string, branch: string, last: boolean): void => {
    lines.push(`${prefix}${branch}${n.line}`);
    const next = branch === "" ? prefix : `${prefix}${last ? "   " : "│  "}`;
    n.kids.forEach((c, i) => {
      const end = i === n.kids.length - 1;
      visit(c, next, end ? "└─ " : "├─ ", end);
    });
  };
  const blocks = top.map((roots) => {
    lines.length = 0;
    for (const root of roots) visit(root, "", "", true);
    return lines.join("\n");
  });
  return blocks.join("\n\n");
}
