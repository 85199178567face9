/**
 * What every part of the tour uses: a printer (colour when the terminal has
 * it, plain text when not or when `NO_COLOR` is set), traced runtimes, and the
 * compact terminal timeline of what each runtime ran.
 */
import { Runtime } from "../index.js";
import { buildTimeline, type TraceEvent } from "../timeline/model.js";
import { renderTerminalTimeline } from "../timeline/terminal.js";

export interface Part {
  title: string;
  /** One or two sentences: what this part shows. */
  intro: string;
  run(ctx: PartContext): Promise<void>;
}

/** One runtime's recorded trace, named for the merged trace file. */
export interface Recording {
  name: string;
  events: () => TraceEvent[];
}

const ANSI = {
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  cyan: "\x1b[36m",
  yellow: "\x1b[33m",
  reset: "\x1b[0m",
};

export class Printer {
  readonly color: boolean;
  readonly width: number;
  readonly #out: NodeJS.WritableStream;
  constructor(out: NodeJS.WritableStream, color: boolean, columns: number) {
    this.#out = out;
    this.color = color;
    this.width = Math.max(60, Math.min(100, columns));
  }
  #paint(code: string, text: string): string {
    return this.color ? `${code}${text}${ANSI.reset}` : text;
  }
  /** Text as it comes, no newline (for output that appears over time). */
  write(text: string): void {
    this.#out.write(text);
  }
  line(text = ""): void {
    this.#out.write(`${text}\n`);
  }
  heading(text: string): void {
    const rule = "─".repeat(Math.max(3, this.width - text.length - 4));
    this.line();
    this.line(this.#paint(ANSI.bold + ANSI.cyan, `── ${text} ${rule}`));
  }
  /** Wrapped prose, indented. */
  para(text: string, indent = ""): void {
    for (const l of wrap(text, this.width - indent.length)) this.line(indent + l);
  }
  /** A few lines of code, dimmed. */
  code(lines: string): void {
    for (const l of lines.split("\n")) this.line(this.#paint(ANSI.dim, `    ${l}`));
  }
  /** "Notice:" and the lesson. */
  notice(text: string): void {
    const lines = wrap(text, this.width - 10);
    lines.forEach((l, i) => {
      this.line(
        i === 0 ? `  ${this.#paint(ANSI.bold + ANSI.yellow, "Notice:")} ${l}` : `          ${l}`,
      );
    });
  }
  bold(text: string): string {
    return this.#paint(ANSI.bold, text);
  }
  dim(text: string): string {
    return this.#paint(ANSI.dim, text);
  }
}

export class PartContext {
  readonly p: Printer;
  readonly recordings: Recording[] = [];
  readonly #title: string;
  constructor(printer: Printer, title: string) {
    this.p = printer;
    this.#title = title;
  }

  /** A fresh runtime that records a trace; `label` names it in the trace file. */
  readonly runtime = (label?: string): Runtime => {
    const rt = new Runtime({ trace: true });
    this.recordings.push({
      name: label === undefined ? this.#title : `${this.#title}: ${label}`,
      events: () => eventsOf(rt),
    });
    return rt;
  };

  /**
   * Prints the terminal timeline of what `rt` (one of `runtime()`'s) ran.
   * `durationMs` fixes the time axis (to compare two runs at one scale); by
   * default it spans the run.
   */
  readonly timeline = (rt: Runtime, options: TimelineOptions = {}): void => {
    const timeline = buildTimeline(eventsOf(rt));
    const width = options.width ?? this.p.width - 30;
    const scale =
      options.durationMs === undefined ? undefined : { duration: options.durationMs * 1000 };
    let rows: number[] | undefined;
    if (options.pick !== undefined) {
      const pick = options.pick;
      rows = timeline.rows.filter((r) => pick(r.name)).map((r) => r.index);
    }
    this.p.write(
      renderTerminalTimeline(timeline, {
        width,
        color: this.p.color,
        legend: false,
        rows,
        ...scale,
      }),
    );
    if (rows !== undefined) {
      this.p.line(
        this.p.dim(`  … and ${timeline.rows.length - rows.length} more tasks like these`),
      );
    }
  };
}

export interface TimelineOptions {
  /** Fix the time axis to this length (to compare two runs at one scale). @default the run */
  durationMs?: number;
  width?: number;
  /** Show only the tasks whose name passes, then say how many more there were. */
  pick?: (name: string) => boolean;
}

function eventsOf(rt: Runtime): TraceEvent[] {
  return rt.traceEvents().traceEvents as TraceEvent[];
}

/** Seconds since `start` (a `performance.now()` reading), as "1.00 s". */
export function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(2)} s`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      if (line !== "" && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else {
        line = line === "" ? word : `${line} ${word}`;
      }
    }
    out.push(line);
  }
  return out;
}
