/**
 * Finds every `@example` (and ```ts code block) in src/'s doc comments and turns each into a module that a test can
 * typecheck and run: the example's code, unchanged, inside a function, with
 * imports of the public names it uses from the package's entry points (read
 * from package.json's `exports` map, so a new entry point is picked up without
 * a change here) and the names it takes as given from its file's scene
 * (./scenes.ts).
 *
 * An example whose first line is `// not run: <reason>` is typechecked but not
 * run; docs/api.md says when that is acceptable.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface DocExample {
  /** Path of the source file, relative to the package root: "src/net/stream.ts". */
  file: string;
  /** 1-based line of the `@example` tag. */
  line: number;
  /** The example's code, without the comment's leading `*`. */
  code: string;
  /** Set when the example opts out of running: the reason it gives. */
  notRun: string | null;
}

export interface EntryPoint {
  /** What a user imports: "corio", "corio/net". */
  specifier: string;
  /** The source file behind it: "src/net/index.ts". */
  source: string;
  /** Every name it exports (values and types). */
  names: Set<string>;
  /** The names among them that are only types (imported with `import type`). */
  types: Set<string>;
}

const NOT_RUN = /^\/\/ not run: (.+)$/;

/** Every `@example` in the `.ts` files under `dir` (recursively), in path order. */
export function findExamples(root: string, dir = "src"): DocExample[] {
  const examples: DocExample[] = [];
  for (const path of walk(join(root, dir))) {
    const file = relative(root, path);
    examples.push(...examplesIn(file, readFileSync(path, "utf8")));
  }
  return examples;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/**
 * The examples of one file: each runs from its `@example` line to the next
 * block tag or the comment's end; a ```ts code block elsewhere in a doc comment
 * counts as an example too.
 */
export function examplesIn(file: string, text: string): DocExample[] {
  const lines = text.split("\n");
  const examples: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*\*\s*```(?:ts|typescript)\s*$/.test(lines[i] as string)) {
      // A code block in a doc comment's prose is shown in the reference too.
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*\*\s*```\s*$/.test(lines[i] as string); i++) {
        body.push((lines[i] as string).replace(/^\s*\* ?/, ""));
      }
      const code = body.join("\n").trim();
      const notRun = NOT_RUN.exec(code.split("\n")[0] as string);
      examples.push({ file, line: start + 1, code, notRun: notRun ? (notRun[1] as string) : null });
      continue;
    }
    if (!/^\s*\*\s*@example\b/.test(lines[i] as string)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      const line = lines[i] as string;
      if (/^\s*\*\//.test(line) || /^\s*\*\s*@\w/.test(line)) break;
      body.push(line.replace(/^\s*\* ?/, ""));
    }
    i--;
    let code = body.join("\n").trim();
    const fenced = /```(?:ts|typescript)?\n([\s\S]*?)```/.exec(code);
    if (fenced) code = (fenced[1] as string).trim();
    const notRun = NOT_RUN.exec(code.split("\n")[0] as string);
    examples.push({ file, line: start + 1, code, notRun: notRun ? (notRun[1] as string) : null });
  }
  return examples;
}

/** The package's entry points, from package.json's `exports` map. */
export function entryPoints(root: string): EntryPoint[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | { default: string }>;
  };
  const entries: EntryPoint[] = [];
  for (const [key, target] of Object.entries(pkg.exports)) {
    const js = typeof target === "string" ? target : target.default;
    if (!js.startsWith("./dist/") || !js.endsWith(".js")) continue; // ./package.json
    const source = `src/${js.slice("./dist/".length, -".js".length)}.ts`;
    const specifier = key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`;
    const types = new Set<string>();
    entries.push({ specifier, source, names: exportedNames(root, source, types), types });
  }
  return entries;
}

/**
 * The names a module exports, read from its export statements (following
 * `export *`); those that are only types are added to `types` too.
 */
function exportedNames(
  root: string,
  source: string,
  types: Set<string>,
  seen = new Set<string>(),
): Set<string> {
  const names = new Set<string>();
  if (seen.has(source)) return names;
  seen.add(source);
  const text = readFileSync(join(root, source), "utf8");
  for (const m of text.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const part of (m[2] as string).split(",")) {
      const trimmed = part.trim();
      const name = trimmed
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)
        .pop();
      if (!name) continue;
      names.add(name);
      if (m[1] || trimmed.startsWith("type ")) types.add(name);
    }
  }
  const declaration =
    /export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/g;
  for (const m of text.matchAll(declaration)) {
    names.add(m[1] as string);
    if (/\s(?:interface|type)\s+\S+$/.test(m[0])) types.add(m[1] as string);
  }
  for (const m of text.matchAll(/export\s+\*\s+from\s+"(\.[^"]+)"/g)) {
    const target = join(source, "..", (m[1] as string).replace(/\.js$/, ".ts"));
    if (existsSync(join(root, target))) {
      for (const name of exportedNames(root, target, types, seen)) names.add(name);
    }
  }
  return names;
}

/**
 * The code of `source` with comments removed and the text of strings blanked
 * (what `${...}` holds inside a template literal stays: it is code).
 */
export function codeOnly(source: string): string {
  let out = "";
  const templates: number[] = []; // brace depth at each open `${`, innermost last
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && next === "*") {
      const close = source.indexOf("*/", i + 2);
      i = close < 0 ? source.length : close + 1;
      out += " ";
    } else if (c === '"' || c === "'") {
      for (i++; i < source.length && source[i] !== c && source[i] !== "\n"; i++) {
        if (source[i] === "\\") i++;
      }
      out += `${c}${c}`;
    } else if (c === "`" || (c === "}" && templates.at(-1) === depth)) {
      // A template's text, from its start (or the end of a `${...}`) to its end or next `${`.
      if (c === "}") templates.pop();
      for (i++; i < source.length; i++) {
        if (source[i] === "\\") i++;
        else if (source[i] === "`") break;
        else if (source[i] === "$" && source[i + 1] === "{") {
          i++;
          templates.push(depth);
          break;
        }
      }
      out += " ";
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      out += c;
    }
  }
  return out;
}

/** The identifiers an example's code mentions (not in strings or comments). */
export function identifiers(code: string): Set<string> {
  const out = new Set<string>();
  for (const m of codeOnly(code).matchAll(/(?<![.\w$])([A-Za-z_$][\w$]*)/g))
    out.add(m[1] as string);
  return out;
}

/**
 * Which entry point each public name an example uses comes from. A name
 * exported by several entry points comes from the one whose folder holds the
 * example's file, else from the first in the exports map.
 */
export function importsFor(
  example: DocExample,
  entries: EntryPoint[],
  given: ReadonlySet<string>,
): Map<string, string[]> {
  const own = entries.find((e) => {
    const dir = e.source.slice(0, e.source.lastIndexOf("/") + 1);
    return dir !== "src/" && example.file.startsWith(dir);
  });
  const bySpecifier = new Map<string, string[]>();
  for (const name of identifiers(example.code)) {
    if (given.has(name)) continue;
    const from = own?.names.has(name) ? own : entries.find((e) => e.names.has(name));
    if (!from) continue;
    const list = bySpecifier.get(from.specifier) ?? [];
    list.push(from.types.has(name) ? `type ${name}` : name);
    bySpecifier.set(from.specifier, list);
  }
  for (const list of bySpecifier.values()) list.sort((a, b) => bare(a).localeCompare(bare(b)));
  return bySpecifier;
}

const bare = (name: string) => name.replace(/^type /, "");

/** True if the example is plain async code (it awaits at its top level) rather than a coroutine body. */
export function isAsync(code: string): boolean {
  return /(^|[^\w$.])await\s/.test(codeOnly(code));
}

/**
 * The scene an example's file uses, among `scenes` (their keys): its path under
 * src/ without ".ts" ("net/stream"); or, for a file that moved to another folder,
 * the one scene with the same file name ("sync/parking-lot" for
 * src/core/parking-lot.ts). Null if none.
 */
export function sceneKey(example: DocExample, scenes: readonly string[]): string | null {
  const key = example.file.replace(/^src\//, "").replace(/\.ts$/, "");
  if (scenes.includes(key)) return key;
  const base = key.slice(key.lastIndexOf("/") + 1);
  const same = scenes.filter((k) => k.slice(k.lastIndexOf("/") + 1) === base);
  return same.length === 1 ? (same[0] as string) : null;
}

/**
 * The module for one example. `scenesImport` is the import path of scenes.ts
 * from where the module is written; `given` the names its scene provides.
 */
export function moduleFor(
  example: DocExample,
  entries: EntryPoint[],
  scenesImport: string,
  scene: { key: string | null; given: ReadonlySet<string> },
): string {
  const { key, given } = scene;
  const used = identifiers(example.code);
  const takes = [...given].filter((n) => used.has(n)).sort();
  const imports = [...importsFor(example, entries, given)].map(
    ([specifier, names]) => `import { ${names.join(", ")} } from "${specifier}";`,
  );
  const body = example.code
    .split("\n")
    .map((l) => (l ? `    ${l}` : l))
    .join("\n");
  const fn = isAsync(example.code) ? "async function" : "function*";
  return [
    `// Generated from ${example.file}:${example.line} by test/doc-examples/extract.ts; do not edit.`,
    "/* eslint-disable */",
    ...imports,
    `import type { Given } from "${scenesImport}";`,
    "",
    `export default ${fn} example(given: Given<${JSON.stringify(key ?? "(no scene)")}>) {`,
    takes.length > 0 ? `  const { ${takes.join(", ")} } = given;` : "  void given;",
    "  {",
    body,
    "  }",
    "}",
    "",
  ].join("\n");
}
