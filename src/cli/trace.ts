/** `corio trace TRACE.json -o timeline.html`: a trace file to a timeline page (or terminal text). */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { timelineHtml } from "../timeline/html.js";
import { buildTimeline, formatDuration, parseTraceText } from "../timeline/model.js";
import { renderTerminalTimeline, useColor } from "../timeline/terminal.js";

export interface TraceCommandOptions {
  output?: string | undefined;
  text?: boolean;
  width?: number | undefined;
}

export async function traceCommand(file: string, options: TraceCommandOptions): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  let trace: ReturnType<typeof parseTraceText>;
  try {
    trace = parseTraceText(text);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const timeline = buildTimeline(trace);
  if (options.text === true) {
    const columns = process.stdout.columns ?? 100;
    const width = options.width ?? Math.max(20, Math.min(100, columns - 36));
    process.stdout.write(
      renderTerminalTimeline(timeline, { width, color: useColor(process.stdout) }),
    );
    return 0;
  }
  const output = options.output ?? `${file.slice(0, file.length - extname(file).length)}.html`;
  writeFileSync(output, timelineHtml(timeline, { title: basename(file) }));
  process.stdout.write(
    `wrote ${output}: ${timeline.rows.length} tasks over ${formatDuration(timeline.duration)}; open it in a browser\n`,
  );
  return 0;
}
