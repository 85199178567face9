/**
 * The kernel's side of observability: the shapes `runtime.tasks()`,
 * `traceEvents()` and debug mode hand out, the slots `src/trace/` fills when it
 * is loaded, and `trackCreation`, which operations call on the futures they
 * create.
 *
 * The model
 * ---------
 * The kernel imports nothing from the rest of `src/`, so the observability
 * layer (`src/trace/`) plugs itself in here at load time (`src/run.ts` imports
 * `src/trace/install.ts`, which every entry point that can build a runtime
 * reaches): `create` builds a runtime's hooks from its options, `activate` /
 * `deactivate` are told when the first runtime becomes active and the last
 * one inactive (the `corio ps` signal handler), and `track` is set while debug
 * mode may be on somewhere in the process.
 *
 * Cost when unused: a runtime without trace, debug or stats has `_hooks ===
 * null` (one branch per event); `trackCreation` is one load and one compare.
 */
import type { Future } from "./future.js";
import type { Runtime, RuntimeOptions, TaskInfo } from "./runtime.js";
import type { Task } from "./task.js";

/**
 * @internal Observability hooks (`src/trace/`); each call site costs one branch
 * when none are installed.
 */
export interface Hooks {
  spawn(task: Task<unknown>): void;
  stepStart(task: Task<unknown>): void;
  stepEnd(task: Task<unknown>): void;
  wake(task: Task<unknown>, by: Task<unknown> | null): void;
  park(task: Task<unknown>, on: Future<unknown>): void;
  complete(task: Task<unknown>): void;
  /** A cancelled body ended with `value` instead of unwinding (a `finally` swallowed the cancel). */
  cancelSwallowed(task: Task<unknown>, value: unknown): void;
  /** `child` is cancelled only because its parent's body returned while it still ran. */
  orphaned(parent: Task<unknown>, child: Task<unknown>): void;
  /** A run started (the runtime became active). */
  runStart(): void;
  /** A run ended, just before its promise settles. */
  runEnd(): void;
  /** Fills the optional fields of a `tasks()` entry (statistics, spawn site). */
  info(task: Task<unknown>, info: TaskInfo): void;
  /** The recorded trace, or null if this runtime does not trace. */
  traceEvents(): unknown;
}

/** What debug mode warns about. */
export type DebugWarningKind =
  /** A future was created by an operation and garbage-collected without ever being awaited. */
  | "never-awaited"
  /** A cancelled task's body ended with a value instead of unwinding (`return` in a `finally`, ...). */
  | "cancel-swallowed"
  /** A task was cancelled only because its parent's body returned while it still ran (a forgotten join?). */
  | "orphan-cancelled"
  /** A cancelled task has been running its cleanup for longer than `stuckCancelMs`. */
  | "cancel-stuck"
  /** One step of a task ran longer than `slowStepMs` without suspending. */
  | "slow-step"
  /** Node's event loop got no turn for longer than `starvationMs`. */
  | "starvation"
  /** At the end of a run: tasks, timers, outside work or Node handles that outlived it. */
  | "leak";

/** One debug-mode warning, as `onWarning` receives it. */
export interface DebugWarning {
  kind: DebugWarningKind;
  /** The whole warning as one readable text (what the default sink prints). */
  message: string;
  /** The task concerned, if any. */
  task: { id: number; name: string } | null;
  /** The source location concerned (`file:line:column`), if known. */
  at: string | null;
}

/** Options for debug mode (`{debug: true}` takes every default). */
export interface DebugOptions {
  /**
   * Where warnings go. The default prints `corio: <message>` with
   * `console.warn` (stderr).
   */
  onWarning?: (warning: DebugWarning) => void;
  /** A step that runs longer than this (ms) is reported. @default 100 */
  slowStepMs?: number;
  /** Node's event loop getting no turn for longer than this (ms) is reported. @default 200 */
  starvationMs?: number;
  /** A cancelled task still running its cleanup after this long (ms) is reported. @default 5000 */
  stuckCancelMs?: number;
}

/** One Chrome Trace Event (the fields corio writes; see docs/observability.md). */
export interface TraceEvent {
  name: string;
  ph: "X" | "i" | "s" | "f" | "M";
  pid: number;
  tid: number;
  /** Microseconds (`performance.now()` × 1000). Absent on metadata events. */
  ts?: number;
  /** Microseconds; complete ("X") events only. */
  dur?: number;
  cat?: string;
  /** Instant scope ("t": thread). */
  s?: "t";
  /** Flow id ("s"/"f"). */
  id?: number;
  /** Flow binding point ("e": the enclosing slice). */
  bp?: "e";
  args?: Record<string, unknown>;
}

/** A trace as `runtime.traceEvents()` returns it: Chrome's JSON object format. */
export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ms";
  otherData: Record<string, unknown>;
}

/** The plug-in points `src/trace/` fills at load time. */
export const instrumentation: {
  /** Builds a runtime's hooks from its options, or null when nothing is asked for. */
  create: ((rt: Runtime, options: RuntimeOptions) => Hooks | null) | null;
  /** The first runtime became active. */
  activate: (() => void) | null;
  /** The last active runtime became inactive. */
  deactivate: (() => void) | null;
  /**
   * Debug mode: note a future an operation created. `awaitable` false: only
   * remember where it was created (a join, which `yield*` iterates at once).
   */
  track: ((future: object, awaitable: boolean) => void) | null;
} = { create: null, activate: null, deactivate: null, track: null };

/**
 * Call on each future an operation creates and returns to user code, so debug
 * mode can warn when one is never awaited (`tx.send(v)` without `yield*` does
 * nothing) and name where it was created. Returns `future`. With debug mode
 * off anywhere in the process it costs one compare.
 *
 * Do not call it on a future object that is reused (a cached singleton): it
 * would be reported as never awaited once the first use is collected.
 *
 * @example
 * function answer(): Future<number> {
 *   return trackCreation(pollFn(() => 42));
 * }
 * const n = yield* answer(); // 42
 */
export function trackCreation<F extends object>(future: F): F {
  const track = instrumentation.track;
  if (track !== null) track(future, true);
  return future;
}

/** @internal As `trackCreation`, for futures `yield*` iterates at once (joins): only the site. */
export function trackSite<F extends object>(future: F): F {
  const track = instrumentation.track;
  if (track !== null) track(future, false);
  return future;
}

// Control characters (a newline in a task name would break the tree; an escape
// sequence would reach the reader's terminal): shown as \n, \x1b, ...
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is what it finds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** @internal Escapes control characters for one line of text. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** @internal One task as a tree line: `name #id [state] waiting-on`. */
export function taskLine(t: TaskInfo): string {
  const name = oneLine(t.name);
  const label = name === `task#${t.id}` ? name : `${name} #${t.id}`;
  return `${label} [${t.state}]${t.waitingOn === null ? "" : ` ${oneLine(t.waitingOn)}`}`;
}

/**
 * @internal The task tree as text, like `pstree`: one line per task, children
 * under their parent with box-drawing branches. `tasks` lists parents before
 * children (as `runtime.tasks()` does); a task whose parent is not listed is
 * drawn as a root.
 */
export function renderTaskTree(tasks: readonly TaskInfo[]): string {
  const children = new Map<number | null, TaskInfo[]>();
  const ids = new Set(tasks.map((t) => t.id));
  for (const t of tasks) {
    const p = t.parent !== null && ids.has(t.parent) ? t.parent : null;
    const list = children.get(p);
    if (list === undefined) children.set(p, [t]);
    else list.push(t);
  }
  const lines: string[] = [];
  const visit = (t: TaskInfo, prefix: string, branch: string, last: boolean): void => {
    lines.push(`${prefix}${branch}${taskLine(t)}`);
    const kids = children.get(t.id) ?? [];
    const next = branch === "" ? prefix : `${prefix}${last ? "   " : "│  "}`;
    kids.forEach((c, i) => {
      const end = i === kids.length - 1;
      visit(c, next, end ? "└─ " : "├─ ", end);
    });
  };
  for (const root of children.get(null) ?? []) visit(root, "", "", true);
  return lines.join("\n");
}
