/**
 * Source locations for debug mode: where user code spawned a task or created
 * a future. A stack is captured as an `Error` (V8 records the frames at once
 * but formats them only when `.stack` is read), and formatted only when a
 * warning or a listing needs it.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

// corio's own files: src/ and dist/ of this package (this file is src/trace/ or
// dist/trace/; in this repository one may call the other, e.g. the built CLI
// running a program that imports the sources).
const OWN_DIR = fileURLToPath(new URL("..", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const OWN_DIRS = [`${PACKAGE_DIR}src/`, `${PACKAGE_DIR}dist/`, OWN_DIR];
// ...except the tour's example programs, which are user code like any other.
const TOUR_DIRS = OWN_DIRS.map((dir) => `${dir}tour/`);

// The kernel captures sites too (the leak check's registry), so the capture lives there.
export { captureSite } from "../core/resources.js";

const cache = new WeakMap<Error, string | null>();

/**
 * The first frame of `site` outside corio and Node's internals, as
 * `path:line:column` (relative to the working directory when below it), or null.
 */
export function userFrame(site: Error | null | undefined): string | null {
  if (site == null) return null;
  const hit = cache.get(site);
  if (hit !== undefined) return hit;
  let found: string | null = null;
  for (const line of (site.stack ?? "").split("\n").slice(1)) {
    const loc = frameLocation(line);
    if (loc === null || isInternal(loc.file)) continue;
    const file = loc.file.startsWith("/") ? relativeToCwd(loc.file) : loc.file;
    found = `${file}:${loc.line}:${loc.column}`;
    break;
  }
  cache.set(site, found);
  return found;
}

/** `    at fn (file:///x/y.ts:12:5)` or `    at /x/y.ts:12:5` → {file, line, column}. */
function frameLocation(line: string): { file: string; line: string; column: string } | null {
  const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
  if (m === null) return null;
  let file = m[1] as string;
  if (file.startsWith("file://")) {
    try {
      file = fileURLToPath(file);
    } catch {
      return null;
    }
  }
  return { file, line: m[2] as string, column: m[3] as string };
}

function isInternal(file: string): boolean {
  return (
    file.startsWith("node:") ||
    file.startsWith("internal/") ||
    (OWN_DIRS.some((dir) => file.startsWith(dir)) &&
      !TOUR_DIRS.some((dir) => file.startsWith(dir))) ||
    file.includes("/node_modules/corio/")
  );
}

function relativeToCwd(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}
