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
import { findUncloneable } from "./clone-check.js";
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

type Namespace = Record<string, unknown>;

// Modules this thread has imported. `import()` of a loaded module still goes
// through the loader (resolve, module map, a promise): tens of microseconds a
// job, which is most of the cost of a trivial one.
const modules = new Map<string, Namespace>();

async function load(url: string): Promise<Namespace> {
  if (isTypeScript(url)) await registerTypeScriptLoader();
  const mod = (await import(url)) as Namespace;
  modules.set(url, mod);
  return mod;
}

export default async function runJob(request: JobRequest): Promise<JobOutcome> {
  let mod = modules.get(request.module);
  if (mod === undefined) {
    try {
      mod = await load(request.module);
    } catch (error) {
      return { kind: "error", error: serializeError(error) };
    }
  }
  const fn = mod[request.exportName];
  if (typeof fn !== "function") {
    return {
      kind: "no-export",
      exports: Object.keys(mod).filter((k) => typeof mod[k] === "function"),
      found: fn === undefined ? "nothing" : typeof fn,
    };
  }
  let value: unknown;
  try {
    value = await fn(...request.args);
  } catch (error) {
    return { kind: "error", error: serializeError(error) };
  }
  // A result postMessage cannot clone would crash the thread inside piscina;
  // found here, it fails only the job, with a message naming the value.
  const bad = findUncloneable([value], "the result");
  if (bad !== null) {
    const error = new TypeError(
      `${request.exportName}() returned a value that cannot be sent back to the calling thread: ` +
        `${bad}. Return plain data (results are structured-cloned)`,
    );
    error.stack = `${error.name}: ${error.message}`;
    return { kind: "error", error: serializeError(error) };
  }
  return { kind: "value", value };
}
