/**
 * Reads a trace in Chrome's Trace Event format (what `trace: true` records and
 * Perfetto opens) into the timeline both renderers draw: the HTML page
 * (`html.ts`) and the terminal view (`terminal.ts`).
 *
 * The model
 * ---------
 * A trace is a flat list of events. corio writes one process (`pid`) per
 * runtime and one thread (`tid`) per task, named by a `thread_name` metadata
 * event. A task's life is a sequence of spans: `X` events with cat `"step"`
 * (the task ran) and cat `"wait"` (it was parked; the name says on what).
 * Flow events (`s` then `f`, cat `"wake"`, one shared id) go from the step of
 * the task that woke it to the woken task's next step; cat `"spawn"` flows go
 * from the parent's step to the child's first. Instant events (`i`) mark
 * spawn and the end: done, failed or cancelled. docs/observability.md is the
 * full contract.
 *
 * A `Timeline` is that list regrouped for drawing: processes, each with its
 * rows (one per task, in tree order when the trace says who spawned whom),
 * each row with its spans and marks in time order; wakes as pairs of points.
 * Times are microseconds from the first event. Anything this reader does not
 * understand is skipped, not an error: a trace from another tool still draws.
 */

/** One event of Chrome's Trace Event format (the fields corio uses). */
export interface TraceEvent {
  ph: string;
  name?: string;
  cat?: string;
  ts?: number;
  dur?: number;
  pid?: number | string;
  tid?: number | string;
  id?: number | string;
  bp?: string;
  s?: string;
  args?: Record<string, unknown>;
}

/** A trace file: the object form (`{traceEvents}`) or a bare array of events. */
export type TraceFile = { traceEvents: TraceEvent[]; displayTimeUnit?: string } | TraceEvent[];

export type SpanKind = "step" | "wait";

/** A stretch of a task's life: it ran (`step`) or it was parked (`wait`). */
export interface Span {
  kind: SpanKind;
  /** µs from the trace's start. */
  start: number;
  end: number;
  /** For a wait, what it waited on ("sleep 250 ms", "recv on channel#3"). */
  label: string;
  args: Record<string, unknown> | null;
}

/** A moment in a task's life: spawn, complete, fail, cancel, or anything else the trace marks. */
export interface Mark {
  kind: string;
  at: number;
  args: Record<string, unknown> | null;
}

/** One task: its row in the timeline. */
export interface Row {
  /** Index in `Timeline.rows`. */
  index: number;
  pid: number | string;
  tid: number | string;
  name: string;
  /** The tid of the task that spawned it (same process), or null. */
  parent: number | string | null;
  /** Depth in the task tree (0 for a root). */
  depth: number;
  spans: Span[];
  marks: Mark[];
  /** First and last moment the trace shows this task. */
  first: number;
  last: number;
  /** How it ended, if the trace says. */
  outcome: Outcome | null;
  /** Time spent running (µs) and the number of steps. */
  busy: number;
  steps: number;
}

export type Outcome = "done" | "failed" | "cancelled";

/** The end marks, with the short names other tools use. */
const OUTCOMES: Record<string, Outcome | undefined> = {
  done: "done",
  complete: "done",
  failed: "failed",
  fail: "failed",
  cancelled: "cancelled",
  cancel: "cancelled",
};

/** A wake: task `from` (in its step) made task `to` ready; `to` ran at `toAt`. */
export interface Wake {
  from: number;
  fromAt: number;
  to: number;
  toAt: number;
}

/** A process (one runtime, or one part of the tour): a group of rows. */
export interface Group {
  pid: number | string;
  name: string;
  /** Indices into `Timeline.rows`. */
  rows: number[];
}

export interface Timeline {
  /** Total length in µs (the first event is at 0). */
  duration: number;
  groups: Group[];
  rows: Row[];
  wakes: Wake[];
  /** Spawn flows: from the parent's step to the child's first step (same shape as a wake). */
  spawns: Wake[];
}

/** Parses a trace file's text; throws a readable error when it is not a trace. */
export function parseTraceText(text: string): TraceFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`not a JSON file (${(error as Error).message})`);
  }
  if (Array.isArray(json)) return json as TraceEvent[];
  if (
    json !== null &&
    typeof json === "object" &&
    Array.isArray((json as { traceEvents?: unknown }).traceEvents)
  ) {
    return json as TraceFile;
  }
  throw new Error("not a Chrome trace: expected {traceEvents: [...]} or an array of events");
}

const key = (pid: unknown, tid: unknown): string => `${String(pid)}:${String(tid)}`;

/** Builds the timeline of a trace. */
export function buildTimeline(trace: TraceFile): Timeline {
  const events = (Array.isArray(trace) ? trace : trace.traceEvents).filter(
    (e): e is TraceEvent => e !== null && typeof e === "object" && typeof e.ph === "string",
  );

  let t0 = Number.POSITIVE_INFINITY;
  for (const e of events) if (typeof e.ts === "number" && e.ts < t0) t0 = e.ts;
  if (t0 === Number.POSITIVE_INFINITY) t0 = 0;

  const rows = new Map<string, Row>();
  const processNames = new Map<string, string>();
  const sortIndex = new Map<string, number>();
  const row = (e: TraceEvent): Row => {
    const pid = e.pid ?? 0;
    const tid = e.tid ?? 0;
    const k = key(pid, tid);
    let r = rows.get(k);
    if (r === undefined) {
      r = {
        index: -1,
        pid,
        tid,
        name: `task#${String(tid)}`,
        parent: null,
        depth: 0,
        spans: [],
        marks: [],
        first: Number.POSITIVE_INFINITY,
        last: Number.NEGATIVE_INFINITY,
        outcome: null,
        busy: 0,
        steps: 0,
      };
      rows.set(k, r);
    }
    return r;
  };
  const parentOf = (r: Row, args: Record<string, unknown> | undefined): void => {
    const p = args?.parent;
    if ((typeof p === "number" || typeof p === "string") && r.parent === null) r.parent = p;
  };
  const seen = (r: Row, from: number, to: number): void => {
    if (from < r.first) r.first = from;
    if (to > r.last) r.last = to;
  };

  const open = new Map<string, TraceEvent[]>(); // B/E pairs per thread
  const flowStarts = new Map<string, { row: Row; at: number }>();
  const flowEnds: { id: string; row: Row; at: number; cat: string | undefined }[] = [];
  let end = 0;

  for (const e of events) {
    const ts = typeof e.ts === "number" ? e.ts - t0 : 0;
    switch (e.ph) {
      case "M": {
        if (e.name === "thread_name") {
          const r = row(e);
          const name = e.args?.name;
          if (typeof name === "string" && name !== "") r.name = name;
          parentOf(r, e.args);
        } else if (e.name === "process_name" && typeof e.args?.name === "string") {
          processNames.set(String(e.pid ?? 0), e.args.name);
        } else if (e.name === "thread_sort_index" && typeof e.args?.sort_index === "number") {
          sortIndex.set(key(e.pid ?? 0, e.tid ?? 0), e.args.sort_index);
        }
        break;
      }
      case "X": {
        const r = row(e);
        const dur = typeof e.dur === "number" && e.dur > 0 ? e.dur : 0;
        addSpan(r, e, ts, ts + dur);
        seen(r, ts, ts + dur);
        end = Math.max(end, ts + dur);
        break;
      }
      case "B": {
        const k = key(e.pid ?? 0, e.tid ?? 0);
        const stack = open.get(k) ?? [];
        stack.push({ ...e, ts });
        open.set(k, stack);
        break;
      }
      case "E": {
        const stack = open.get(key(e.pid ?? 0, e.tid ?? 0));
        const b = stack?.pop();
        if (b !== undefined) {
          const r = row(b);
          addSpan(r, b, b.ts as number, ts);
          seen(r, b.ts as number, ts);
        }
        end = Math.max(end, ts);
        break;
      }
      case "i":
      case "I":
      case "n": {
        const r = row(e);
        const outcome = OUTCOMES[e.name ?? ""];
        const kind = outcome ?? e.name ?? "instant";
        r.marks.push({ kind, at: ts, args: e.args ?? null });
        if (kind === "spawn") parentOf(r, e.args);
        if (outcome !== undefined) r.outcome = outcome;
        seen(r, ts, ts);
        end = Math.max(end, ts);
        break;
      }
      case "s":
        if (e.id !== undefined) flowStarts.set(flowKey(e), { row: row(e), at: ts });
        break;
      case "f":
      case "t":
        if (e.id !== undefined) flowEnds.push({ id: flowKey(e), row: row(e), at: ts, cat: e.cat });
        break;
      default:
        break;
    }
  }

  // Order: processes by pid, rows in tree order (a parent before its children,
  // siblings by sort index, then by tid), so a task sits under whoever spawned it.
  const ordered: Row[] = [];
  const groups: Group[] = [];
  const byPid = new Map<string, Row[]>();
  for (const r of rows.values()) {
    if (r.first === Number.POSITIVE_INFINITY) {
      r.first = 0;
      r.last = 0;
    }
    const list = byPid.get(String(r.pid)) ?? [];
    list.push(r);
    byPid.set(String(r.pid), list);
  }
  const compare = (a: Row, b: Row): number => {
    const sa = sortIndex.get(key(a.pid, a.tid));
    const sb = sortIndex.get(key(b.pid, b.tid));
    if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
    if (typeof a.tid === "number" && typeof b.tid === "number") return a.tid - b.tid;
    return String(a.tid).localeCompare(String(b.tid));
  };
  const pids = [...byPid.keys()].sort((a, b) =>
    Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b),
  );
  for (const pid of pids) {
    const list = (byPid.get(pid) as Row[]).sort(compare);
    const ids = new Set(list.map((r) => String(r.tid)));
    const children = new Map<string, Row[]>();
    const roots: Row[] = [];
    for (const r of list) {
      if (r.parent !== null && ids.has(String(r.parent)) && String(r.parent) !== String(r.tid)) {
        const c = children.get(String(r.parent)) ?? [];
        c.push(r);
        children.set(String(r.parent), c);
      } else {
        roots.push(r);
      }
    }
    const group: Group = { pid: list[0]?.pid ?? pid, name: processNames.get(pid) ?? "", rows: [] };
    const placed = new Set<Row>();
    const visit = (r: Row, depth: number): void => {
      if (placed.has(r)) return;
      placed.add(r);
      r.depth = depth;
      r.index = ordered.length;
      ordered.push(r);
      group.rows.push(r.index);
      for (const c of children.get(String(r.tid)) ?? []) visit(c, depth + 1);
    };
    for (const r of roots) visit(r, 0);
    for (const r of list) visit(r, 0); // cycles in bad input: place what is left
    groups.push(group);
  }

  for (const r of ordered) {
    r.spans.sort((a, b) => a.start - b.start || (a.kind === "wait" ? -1 : 1));
    r.marks.sort((a, b) => a.at - b.at);
    for (const s of r.spans) {
      if (s.kind === "step") {
        r.busy += s.end - s.start;
        r.steps++;
      }
    }
  }

  const wakes: Wake[] = [];
  const spawns: Wake[] = [];
  for (const f of flowEnds) {
    const s = flowStarts.get(f.id);
    if (s === undefined) continue;
    const flow = { from: s.row.index, fromAt: s.at, to: f.row.index, toAt: f.at };
    (f.cat === "spawn" ? spawns : wakes).push(flow);
  }
  wakes.sort((a, b) => a.fromAt - b.fromAt);
  spawns.sort((a, b) => a.fromAt - b.fromAt);

  for (const r of ordered) end = Math.max(end, r.last);
  return { duration: end, groups, rows: ordered, wakes, spawns };
}

/** Flow ids are unique per category. */
function flowKey(e: TraceEvent): string {
  return `${e.cat ?? ""}:${String(e.id)}`;
}

function addSpan(r: Row, e: TraceEvent, start: number, end: number): void {
  const kind: SpanKind = e.cat === "wait" ? "wait" : "step";
  r.spans.push({ kind, start, end, label: e.name ?? kind, args: e.args ?? null });
}

/** "1.25 s", "250 ms", "42 µs": a duration given in µs, to about three digits. */
export function formatDuration(us: number): string {
  const abs = Math.abs(us);
  if (abs >= 1e6) return `${trim(us / 1e6)} s`;
  if (abs >= 1e3) return `${trim(us / 1e3)} ms`;
  return `${trim(us)} µs`;
}

function trim(x: number): string {
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(x.toFixed(digits)));
}
