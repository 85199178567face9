/**
 * Module references for code that runs on another thread.
 *
 * A worker thread imports the module itself, so a reference must mean the
 * same file from any thread: an absolute path or a `file:` URL. A relative
 * path would resolve against the worker's own bootstrap file, not the caller,
 * so it is refused with the fix (`new URL("./hash.js", import.meta.url)`),
 * and a file that does not exist is refused at the call, naming it, instead
 * of failing later inside the thread.
 *
 * TypeScript: `corio run` registers tsx's loader in the main thread, but a
 * loader registered with `module.register()` belongs to that thread only. A
 * worker thread therefore registers tsx itself before it imports a `.ts`
 * module (`registerTypeScriptLoader`), or is started with tsx in its
 * `execArgv` (`threadEntry`, `typeScriptExecArgv`).
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** File names tsx compiles (as `corio run` recognises them). */
const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/;

/**
 * Validates a module reference and returns it as a `file:` URL string.
 * `api` names the call for the error message (`"runInWorker"`).
 *
 * Throws: `TypeError` for a relative path, a URL that is not `file:`, or a
 * value that is neither a string nor a URL; `Error` (code `ERR_MODULE_NOT_FOUND`)
 * when the file does not exist.
 */
export function moduleUrl(module: string | URL, api: string): string {
  const key = typeof module === "string" ? module : module instanceof URL ? module.href : null;
  const known = key === null ? undefined : validated.get(key);
  if (known !== undefined) return known;
  const href = validate(module, api);
  // Remembered once found: a job per millisecond should not stat its module each time.
  if (validated.size >= MAX_REMEMBERED) validated.clear();
  validated.set(key as string, href);
  return href;
}

// Module references already validated (as given → file URL). Bounded, for a
// program that makes module paths up as it goes.
const validated = new Map<string, string>();
const MAX_REMEMBERED = 1000;

function validate(module: string | URL, api: string): string {
  let url: URL;
  if (module instanceof URL) {
    url = module;
  } else if (typeof module === "string") {
    if (isAbsolute(module)) {
      url = pathToFileURL(module);
    } else if (/^[a-z][a-z0-9+.-]+:/i.test(module)) {
      url = new URL(module);
    } else {
      const name = basename(module);
      throw new TypeError(
        `${api}(): the module "${module}" is a relative path, which a worker thread cannot resolve ` +
          `(it would be relative to corio's worker, not to your file). Pass an absolute path or a ` +
          `URL made from your module: new URL("./${name}", import.meta.url)`,
      );
    }
  } else {
    throw new TypeError(
      `${api}(): expected a module as an absolute path or a URL ` +
        `(new URL("./hash.js", import.meta.url)), got ${typeof module}`,
    );
  }
  if (url.protocol !== "file:") {
    throw new TypeError(
      `${api}(): the module ${url.href} is not a file: URL; a worker thread imports a file ` +
        `from disk (new URL("./hash.js", import.meta.url))`,
    );
  }
  const path = fileURLToPath(url);
  if (!existsSync(path) || statSync(path).isDirectory()) {
    const error = new Error(
      `${api}(): cannot find the module ${path}; check the path ` +
        `(a module next to yours is new URL("./${basename(path)}", import.meta.url))`,
    );
    (error as { code?: string }).code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return url.href;
}

/** The file name of a module URL, for messages and task listings: "hash.js". */
export function moduleLabel(url: string): string {
  return basename(fileURLToPath(url));
}

/** True when the module needs tsx to load. */
export function isTypeScript(url: string): boolean {
  return TYPESCRIPT.test(url.replace(/[?#].*$/s, ""));
}

/** The URL of tsx's loader (what `node --import tsx` loads). */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
}

/** `execArgv` for a thread that must load TypeScript from its first import. */
export function typeScriptExecArgv(): string[] {
  return ["--import", tsxLoaderUrl()];
}

let registering: Promise<void> | null = null;

/**
 * Registers tsx's loaders (ESM and CommonJS, as `corio run` does) in the
 * calling thread, once. A worker thread calls it before importing a `.ts`
 * module. It does so even when the thread was started with `--import tsx`:
 * on Node 20 that flag in a worker's `execArgv` installs tsx's CommonJS hook
 * but not its ESM hooks, so `import("./x.ts")` would still fail.
 */
export function registerTypeScriptLoader(): Promise<void> {
  if (registering === null) {
    registering = Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]).then(([esm, cjs]) => {
      esm.register();
      cjs.register();
    });
  }
  return registering;
}

/**
 * Where a thread's bootstrap module is, and how to start it: `name` is a
 * module of this folder without extension ("pool-thread"). Built, it is the
 * `.js` next to this file; run from the TypeScript sources (tests, `tsx`),
 * it is the `.ts` file and the thread starts with tsx in its `execArgv`.
 */
export function threadEntry(name: string): { filename: string; execArgv: string[] } {
  const fromSources = import.meta.url.endsWith(".ts");
  const filename = fileURLToPath(
    new URL(`./${name}${fromSources ? ".ts" : ".js"}`, import.meta.url),
  );
  return { filename, execArgv: fromSources ? typeScriptExecArgv() : [] };
}
