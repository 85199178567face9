/**
 * Starting a thread whose bootstrap is one of this folder's modules. Built,
 * the bootstrap is a `.js` file and the thread loads it directly. Run from the
 * TypeScript sources (tests, tsx), the thread must register tsx before it can
 * load a `.ts` bootstrap — and Node 20 ignores `--import` in a worker's
 * `execArgv` (Node 22+ honours it), so the thread starts from a two-line
 * script that registers tsx's ESM loader in the thread, then imports the
 * bootstrap.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { threadEntry } from "./module-ref.js";

/** tsx's ESM API (`register()`), as an ESM file URL: its CommonJS build cannot register from an eval'd script. */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("tsx/package.json");
  const pkg = require(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  const api = pkg.exports["./esm/api"]?.import.default ?? "./dist/esm/api/index.mjs";
  return pathToFileURL(join(dirname(pkgPath), api)).href;
}

/** Starts a thread on the bootstrap `name` ("spawn-thread") with `options`. */
export function startThread(name: string, options: WorkerOptions): Worker {
  const entry = threadEntry(name);
  if (!entry.filename.endsWith(".ts")) return new Worker(entry.filename, options);
  const bootstrap =
    `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(pathToFileURL(entry.filename).href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
