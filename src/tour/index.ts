/**
 * The tour (`corio tour`, `npm start`): a short guided run of the ideas a
 * coroutine runtime exists for, each part printing its output, a compact
 * timeline of its tasks and what to notice. It ends by writing the whole run
 * as a trace and as a timeline page. Under 15 seconds.
 *
 * The parts live in `parts/`, one file each, written against the public API:
 * read them alongside the output.
 */
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { timelineHtml } from "../timeline/html.js";
import { buildTimeline, type TraceEvent } from "../timeline/model.js";
import { useColor } from "../timeline/terminal.js";
import { type Part, PartContext, Printer, type Recording, seconds } from "./kit.js";
import { cancel } from "./parts/cancel.js";
import { chains } from "./parts/chains.js";
import { counters } from "./parts/counters.js";
import { cpu } from "./parts/cpu.js";
import { echoServer } from "./parts/echo.js";
import { queue } from "./parts/queue.js";
import { step } from "./parts/step.js";

export const PARTS: Part[] = [counters, chains, queue, echoServer, cancel, step, cpu];

export interface TourOptions {
  /** Folder for corio-tour.trace.json and corio-tour.html. @default the current directory */
  out?: string | undefined;
  /** Where to print. @default process.stdout */
  stream?: NodeJS.WriteStream;
}

export async function runTour(options: TourOptions = {}): Promise<void> {
  const stream = options.stream ?? process.stdout;
  const p = new Printer(stream, useColor(stream), stream.columns ?? 100);
  const start = performance.now();

  p.line(p.bold("corio tour: coroutines on Node.js, one idea at a time"));
  p.para(
    "A coroutine is a function that can pause: a generator, function*, paused at each yield*. " +
      "corio's runtime runs many of them on one thread and switches only where one waits. " +
      "Each part prints what its coroutines print, then a timeline, one row per task: " +
      "█ the task ran (a step), ─ it waited, · it was ready but not yet running.",
    "",
  );

  const recordings: Recording[] = [];
  for (const part of PARTS) {
    p.heading(part.title);
    p.para(part.intro, "  ");
    const ctx = new PartContext(p, part.title);
    await part.run(ctx);
    recordings.push(...ctx.recordings);
  }

  const out = options.out ?? process.cwd();
  const tracePath = join(out, "corio-tour.trace.json");
  const htmlPath = join(out, "corio-tour.html");
  const trace = { traceEvents: mergeRecordings(recordings), displayTimeUnit: "ms" };
  writeFileSync(tracePath, JSON.stringify(trace));
  writeFileSync(htmlPath, timelineHtml(buildTimeline(trace), { title: "corio tour" }));

  const shown = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel === "" || rel.startsWith("..") ? path : rel;
  };
  p.heading("Your turn");
  p.line(`  The whole tour took ${seconds(start)}. It was recorded:`);
  p.line(
    `    ${p.bold(shown(htmlPath))}        the timeline page: open it in a browser (no network needed);`,
  );
  p.line(
    `    ${"".padEnd(shown(htmlPath).length)}        wheel to zoom, drag to pan, hover a bar for details`,
  );
  p.line(
    `    ${p.bold(shown(tracePath))}  the trace: drop it on https://ui.perfetto.dev or chrome://tracing`,
  );
  p.line();
  p.line("  Trace your own program, then draw it:");
  p.line(p.dim("    npx corio run app.ts --trace app.trace.json"));
  p.line(p.dim("    npx corio trace app.trace.json -o app.html"));
  p.line("  The code of each part is in corio's src/tour/parts/; the ideas, mapped to Python and");
  p.line("  Tokio, are in docs/concepts.md.");
}

/**
 * One trace from several runtimes: each becomes a process (pid 1, 2, ...)
 * named after its part, so Perfetto and the page show them as groups.
 * Timestamps stay on the one clock they were all recorded on.
 */
export function mergeRecordings(recordings: Recording[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  recordings.forEach((rec, i) => {
    const pid = i + 1;
    out.push({ ph: "M", name: "process_name", pid, args: { name: rec.name } });
    out.push({ ph: "M", name: "process_sort_index", pid, args: { sort_index: pid } });
    for (const e of rec.events()) {
      // Each runtime names its process after the OS process; ours are named per part.
      if (e.ph === "M" && (e.name === "process_name" || e.name === "process_sort_index")) continue;
      const copy: TraceEvent = { ...e, pid };
      // Flow ids are per runtime: keep them apart across runtimes.
      if (copy.id !== undefined) copy.id = `${pid}.${String(copy.id)}`;
      out.push(copy);
    }
  });
  return out;
}
