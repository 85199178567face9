/** Writing traces to files. */
import { writeFileSync } from "node:fs";
import type { TraceFile } from "../core/instrument.js";
import type { Runtime } from "../core/runtime.js";

/**
 * Writes `runtime.traceEvents()` to `path` as JSON (Chrome Trace Event format:
 * open it in https://ui.perfetto.dev, `chrome://tracing`, or turn it into a
 * timeline page with `corio trace`). Synchronous; overwrites the file.
 *
 * Throws: if the runtime does not trace (create it with `{trace: true}`), or the
 * file cannot be written.
 *
 * @example
 * const rt = new Runtime({ trace: true });
 * await rt.run(app);
 * writeTrace(rt, "app.trace.json");
 */
export function writeTrace(runtime: Runtime, path: string): void {
  writeTraceFile(path, runtime.traceEvents());
}

/** @internal One event per line: readable, and diffable. */
export function writeTraceFile(path: string, trace: TraceFile): void {
  const events = trace.traceEvents.map((e) => JSON.stringify(e)).join(",\n");
  const rest = `"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},"otherData":${JSON.stringify(trace.otherData)}`;
  writeFileSync(path, `{"traceEvents":[\n${events}\n],\n${rest}}\n`);
}
