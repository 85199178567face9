/**
 * `corio run FILE`: import a module and run its default export under `main()`.
 *
 * The one subtlety is *which* corio runs it. A coroutine only works on the
 * runtime of the corio copy it imported (the current task lives in that
 * copy's module state), so `main` must come from the same copy as the
 * program's own `import ... from "corio"`. In a project that installed corio,
 * both resolve to `node_modules/corio`. Inside corio's own repository, tsx maps
 * `"corio"` to the sources (tsconfig `paths`) for the program, and, since this
 * file imports `"corio"` by name under the same loader, for us too. A corio
 * installed elsewhere (a global `corio`) defers to the copy the program sees.
 */
import { createRequire } from "node:module";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { thrownMessage } from "../core/describe-thrown.js";
import { UsageError } from "./commands.js";

export interface RunFileOptions {
  trace?: string | undefined;
  debug?: boolean;
}

const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/;

/** Runs the program; resolves with -1: `main()` sets the exit code and the process ends with the program. */
export async function runFile(
  file: string,
  args: string[],
  options: RunFileOptions,
): Promise<number> {
  const path = resolve(file);
  const url = pathToFileURL(path).href;
  if (TYPESCRIPT.test(path)) {
    // Both loaders, as `node --import tsx` does: a .ts file outside an ESM
    // package ("type": "module") is CommonJS to tsx.
    const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
    esm.register();
    cjs.register();
  }
  // The program sees its own arguments, as if run directly: [node, FILE, ...ARGS].
  process.argv = [process.argv[0] as string, path, ...args];

  let mod: { default?: unknown };
  try {
    mod = await import(url);
  } catch (error) {
    let code: unknown;
    try {
      code = (error as { code?: unknown }).code; // the module may throw anything, a Proxy too
    } catch {}
    if (code === "ERR_MODULE_NOT_FOUND" && thrownMessage(error).includes(path)) {
      throw new UsageError(`cannot find ${file}`);
    }
    throw error;
  }
  let body = mod.default;
  // A module tsx ran as CommonJS arrives as {default: module.exports}.
  if (typeof body === "object" && body !== null && !isGenerator(body) && "default" in body) {
    body = (body as { default: unknown }).default;
  }
  if (typeof body !== "function" && !isGenerator(body)) {
    throw new UsageError(
      `${file} has no default-exported coroutine function; add one:\n\n` +
        `  export default function* main() {\n    // ...\n  }\n`,
    );
  }
  const corio = await corioFor(path);
  // The root task is named after the module ("server.ts"), not task#1.
  const runOptions: Record<string, unknown> = { name: basename(path) };
  if (options.trace !== undefined) runOptions.trace = resolve(options.trace);
  if (options.debug === true) runOptions.debug = true;
  await corio.main(
    body as Parameters<Corio["main"]>[0],
    runOptions as Parameters<Corio["main"]>[1],
  );
  return -1;
}

function isGenerator(x: unknown): boolean {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Generator).next === "function" &&
    typeof (x as Generator).throw === "function"
  );
}

type Corio = typeof import("../index.js");

/** The corio the program at `path` imports (see the top of this file). */
async function corioFor(path: string): Promise<Corio> {
  let theirs: string | null = null;
  let ours: string | null = null;
  try {
    theirs = createRequire(path).resolve("corio");
    ours = createRequire(import.meta.url).resolve("corio");
  } catch {
    // The program cannot resolve "corio" the plain way: it imports ours, or none.
  }
  if (theirs !== null && ours !== null && theirs !== ours) {
    return (await import(pathToFileURL(theirs).href)) as Corio;
  }
  // By name (not "../index.js"), so the loader maps it as it maps the program's import.
  const self = "corio";
  return (await import(self)) as Corio;
}
