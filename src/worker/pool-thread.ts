/**
 * The module piscina loads in each pool thread: it imports the job's module,
 * calls the named export with the job's arguments and reports the outcome.
 *
 * Every outcome is a resolved value, never a rejection: a job's own error
 * arrives as a `SerializedError` (so a custom class keeps its name), and a
 * missing export as its own kind (so the caller's message can list what the
 * module does export). A rejection from piscina therefore always means the
 * thread itself failed: cancelled, crashed, exited or ran out of memory.
 */
import type { SerializedError } from "./errors.js";
import { serializeError } from "./errors.js";
import { isTypeScript, registerTypeScriptLoader } from "./module-ref.js";

/** What the calling thread sends for one job. */
export interface JobRequest {
  /** A `file:` URL, validated by the caller. */
  module: string;
  exportName: string;
  args: unknown[];
}

/** What the thread sends back. */
export type JobOutcome =
  | { kind: "value"; value: unknown }
  | { kind: "error"; error: SerializedError }
  | { kind: "no-export"; exports: string[]; found: string };

export default async function runJob(request: JobRequest): Promise<JobOutcome> {
  let mod: Record<string, unknown>;
  try {
    if (isTypeScript(request.module)) await registerTypeScriptLoader();
    mod = (await import(request.module)) as Record<string, unknown>;
  } catch (error) {
    return { kind: "error", error: serializeError(error) };
  }
  const fn = mod[request.exportName];
  if (typeof fn !== "function") {
    return {
      kind: "no-export",
      exports: Object.keys(mod).filter((k) => typeof mod[k] === "function"),
      found: fn === undefined ? "nothing" : typeof fn,
    };
  }
  try {
    return { kind: "value", value: await fn(...request.args) };
  } catch (error) {
    return { kind: "error", error: serializeError(error) };
  }
}
