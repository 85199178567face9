/**
 * The timeline as a few lines of terminal text: one row per task, one column
 * per slice of time. A column shows `█` if the task ran at all in that slice,
 * `─` if it waited, `·` if it was ready but not yet running, and blank outside
 * its life. Colour (ANSI) only when asked; `useColor()` decides for a stream
 * the way Node does (a TTY, `NO_COLOR`, `FORCE_COLOR`).
 */
import { formatDuration, type Row, type Timeline } from "./model.js";

export interface TerminalOptions {
  /** Columns for the time axis. @default 60 */
  width?: number;
  /** ANSI colours. @default false */
  color?: boolean;
  /** Only these rows (indices into `timeline.rows`). @default every row */
  rows?: number[];
  /** Show the legend line under the axis. @default true */
  legend?: boolean;
  /** The time axis's length in µs, from the first row's start (to draw runs at one scale). @default the rows' extent */
  duration?: number;
}

const RUN = "█";
const WAIT = "─";
const READY = "·";

const ansi = {
  run: "\x1b[32m",
  wait: "\x1b[2m",
  ready: "\x1b[33m",
  name: "\x1b[1m",
  dim: "\x1b[2m",
  fail: "\x1b[31m",
  reset: "\x1b[0m",
};

/**
 * True if text written to `stream` should be coloured: `NO_COLOR` (any value)
 * turns colour off, `FORCE_COLOR` (other than 0) turns it on, else a TTY that
 * reports colours.
 */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "") return env.FORCE_COLOR !== "0";
  return stream.isTTY === true && typeof stream.hasColors === "function" && stream.hasColors();
}

/** Draws `timeline` as text, ending with a newline. */
export function renderTerminalTimeline(timeline: Timeline, options: TerminalOptions = {}): string {
  const width = Math.max(10, Math.floor(options.width ?? 60));
  const color = options.color ?? false;
  const rows = (options.rows ?? timeline.rows.map((r) => r.index)).map((i) => timeline.rows[i]);
  const paint = (code: string, text: string): string =>
    color && text.trim() !== "" ? `${code}${text}${ansi.reset}` : text;

  // The time window: from the first to the last moment of the rows shown.
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (r === undefined) continue;
    from = Math.min(from, r.first);
    to = Math.max(to, r.last);
  }
  if (!(from < to)) {
    from = 0;
    to = Math.max(1, timeline.duration);
  }
  if (options.duration !== undefined && options.duration > 0) to = from + options.duration;
  const slice = (to - from) / width;

  const labels = rows.map((r) => (r === undefined ? "" : `${"  ".repeat(r.depth)}${r.name}`));
  const labelWidth = Math.min(28, Math.max(4, ...labels.map((l) => l.length)));
  const lines: string[] = [];
  rows.forEach((r, n) => {
    if (r === undefined) return;
    const cells = cellsOf(r, from, slice, width);
    let text = "";
    let run = "";
    let runKind = "";
    const flush = (): void => {
      if (run === "") return;
      text += paint(runKind === RUN ? ansi.run : runKind === READY ? ansi.ready : ansi.wait, run);
      run = "";
    };
    for (const c of cells) {
      if (c !== runKind) flush();
      runKind = c;
      run += c;
    }
    flush();
    const label = fit(labels[n] as string, labelWidth);
    const end =
      r.outcome === "failed" || r.outcome === "cancelled" ? paint(ansi.fail, ` ${r.outcome}`) : "";
    lines.push(`  ${paint(ansi.name, label)} │${text}│${end}`);
  });

  const left = "0";
  const right = formatDuration(to - from);
  const axis = `${left}${" ".repeat(Math.max(1, width - left.length - right.length))}${right}`;
  lines.push(`  ${" ".repeat(labelWidth)}  ${paint(ansi.dim, axis)}`);
  if (options.legend ?? true) {
    lines.push(
      `  ${" ".repeat(labelWidth)}  ${paint(ansi.run, RUN)} running  ${paint(ansi.wait, WAIT)} waiting  ${paint(ansi.ready, READY)} ready  (a column is ${formatDuration(slice)})`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The character of each column: run beats wait beats ready beats nothing. */
function cellsOf(row: Row, from: number, slice: number, width: number): string[] {
  const rank = new Array<number>(width).fill(0); // 0 nothing, 1 ready, 2 wait, 3 run
  const mark = (start: number, end: number, value: number): void => {
    const a = Math.max(0, Math.floor((start - from) / slice));
    const b = Math.min(width - 1, Math.max(a, Math.ceil((end - from) / slice) - 1));
    for (let i = a; i <= b; i++) if ((rank[i] as number) < value) rank[i] = value;
  };
  // Between spans inside the task's life it was ready (woken, not yet run).
  let cursor = row.first;
  for (const s of row.spans) {
    if (s.start > cursor) mark(cursor, s.start, 1);
    mark(s.start, s.end, s.kind === "step" ? 3 : 2);
    cursor = Math.max(cursor, s.end);
  }
  return rank.map((v) => (v === 3 ? RUN : v === 2 ? WAIT : v === 1 ? READY : " "));
}

function fit(text: string, width: number): string {
  if (text.length > width) return `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}
