/**
 * Every `@example` in src/ is typechecked against the built package's public
 * entry points (as a user's `import ... from "corio/net"` resolves them) and
 * run, so every example in the API reference is known to work.
 *
 * test/doc-examples/extract.ts finds the examples and writes one module per
 * example under test/output/doc-examples/; test/doc-examples/scenes.ts gives each
 * file's examples the names they take as given (a connected `conn`, a channel's
 * `tx`/`rx`), set up for real: loopback sockets, real files in a temporary
 * folder, real child processes. Coroutine examples run under `runTest`, so their
 * sleeps take no real time. docs/api.md describes the rules.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Coroutine, call } from "corio";
import { runTest } from "corio/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DocExample,
  entryPoints,
  examplesIn,
  findExamples,
  identifiers,
  isAsync,
  moduleFor,
  sceneKey,
} from "./doc-examples/extract.ts";
import { noScene, type Scene, scenes, stopScenes } from "./doc-examples/scenes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "test/output/doc-examples");
const examples = findExamples(root);
const entries = entryPoints(root);
const sceneKeys = Object.keys(scenes);
const keyOf = (example: DocExample) => sceneKey(example, sceneKeys);
const sceneOf = (example: DocExample): Scene<object> =>
  (scenes as Record<string, Scene<object>>)[keyOf(example) ?? ""] ?? noScene;
const moduleName = (i: number) => `example-${String(i + 1).padStart(3, "0")}.ts`;

function writeModules(): void {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  examples.forEach((example, i) => {
    const scene = { key: keyOf(example), given: new Set(sceneOf(example).names) };
    const text = moduleFor(example, entries, "../../doc-examples/scenes.ts", scene);
    writeFileSync(join(out, moduleName(i)), text);
  });
  for (const scene of Object.values(scenes) as Scene<object>[]) {
    for (const [name, content] of Object.entries(scene.files)) {
      writeFileSync(join(out, name), content);
    }
  }
  // The user's view: "corio/..." resolves through package.json's exports map to dist/*.d.ts.
  const tsconfig = {
    extends: "../../../tsconfig.json",
    compilerOptions: { paths: {}, noEmit: true, noUnusedLocals: false },
    include: ["./*.ts"],
    exclude: [],
  };
  writeFileSync(join(out, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
}

describe("doc examples", () => {
  beforeAll(() => {
    if (!existsSync(join(root, "dist/index.d.ts")))
      throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
    writeModules();
  });
  afterAll(stopScenes);

  it("finds the examples of src/ (and each file's scene names only what it provides)", () => {
    expect(examples.length).toBeGreaterThan(130);
    expect(readdirSync(out).filter((f) => f.startsWith("example-"))).toHaveLength(examples.length);
    for (const [key, scene] of Object.entries(scenes)) {
      expect(
        examples.some((e) => keyOf(e) === key),
        `scene ${key} has examples`,
      ).toBe(true);
      expect(new Set(scene.names).size).toBe(scene.names.length);
    }
  });

  it("typechecks every example against the package's public entry points", () => {
    let output = "";
    try {
      execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(out, "tsconfig.json")], {
        cwd: root,
        encoding: "utf8",
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // Name each failure by its source line, not the generated file.
    const named = output.replace(/test\/output\/doc-examples\/example-(\d+)\.ts/g, (_, n) => {
      const e = examples[Number(n) - 1];
      return e ? `${e.file}:${e.line} (example ${n})` : `example ${n}`;
    });
    const hint = named.includes("Cannot find name")
      ? "an example uses a name it neither declares nor imports: give it in its file's scene (test/doc-examples/scenes.ts, keyed by the file's path under src/) or write it into the example (docs/api.md)"
      : "examples must typecheck against the built package (npm run build first)";
    expect(named, hint).toBe("");
  }, 120_000); // one tsc run over every example: seconds, more on a loaded machine

  for (const [i, example] of examples.entries()) {
    const title = `${example.file}:${example.line}`;
    if (example.notRun !== null) {
      it.skip(`${title} (not run: ${example.notRun})`, () => {});
      continue;
    }
    it(`${title} runs`, async () => {
      const mod = (await import(pathToFileURL(join(out, moduleName(i))).href)) as {
        default: (given: object) => Coroutine<unknown> | Promise<unknown>;
      };
      const scene = sceneOf(example);
      let started = false; // a scene may cancel an example that runs forever, once it saw it work
      const asCoroutine = isAsync(example.code)
        ? (given: object) => call(() => mod.default(given) as Promise<unknown>)
        : (given: object) => mod.default(given) as Coroutine<unknown>;
      await runTest(
        () =>
          scene.run(function* (given) {
            expect(Object.keys(given).sort()).toEqual([...scene.names].sort());
            started = true;
            yield* asCoroutine(given);
          }),
        { virtualTime: !scene.realTime },
      );
      expect(started).toBe(true);
    });
  }
});

describe("the example extractor", () => {
  it("takes an example to the next block tag or the comment's end, fenced or not, and sees an opt-out", () => {
    const text = [
      "/**",
      " * Does a thing.",
      " *",
      " * @example",
      " * const a = 1;",
      " *   indented(a);",
      " * @throws never",
      " */",
      "/**",
      " * @example",
      " * ```ts",
      " * // not run: it needs the moon",
      " * moon();",
      " * ```",
      " */",
    ].join("\n");
    const [first, second, ...rest] = examplesIn("src/x.ts", text);
    expect(rest).toEqual([]);
    expect(first).toEqual({
      file: "src/x.ts",
      line: 4,
      code: "const a = 1;\n  indented(a);",
      notRun: null,
    });
    expect(second?.code).toBe("// not run: it needs the moon\nmoon();");
    expect(second?.notRun).toBe("it needs the moon");
  });

  it("takes a ts code block in a doc comment's prose as an example too", () => {
    const text = [
      "/**",
      " * The module. For instance:",
      " * ```ts",
      " * go();",
      " * ```",
      " * More prose.",
      " */",
    ];
    expect(examplesIn("src/m/index.ts", text.join("\n"))).toEqual([
      { file: "src/m/index.ts", line: 3, code: "go();", notRun: null },
    ]);
  });

  it("finds a file's scene by its path, or by its name alone once it moved to another folder", () => {
    const at = (file: string) => ({ file, line: 1, code: "", notRun: null });
    const keys = ["sync/parking-lot", "net/stream", "a/index", "b/index"];
    expect(sceneKey(at("src/net/stream.ts"), keys)).toBe("net/stream");
    expect(sceneKey(at("src/core/parking-lot.ts"), keys)).toBe("sync/parking-lot");
    expect(sceneKey(at("src/c/index.ts"), keys)).toBe(null); // two candidates: none
    expect(sceneKey(at("src/net/other.ts"), keys)).toBe(null);
  });

  it("finds the names an example uses, not those in strings or comments, and template expressions too", () => {
    const code =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: this is source text holding a template
      "const r = yield* fetch(`http://h:${port}/x`); // sleep\nsay(\"spawn\", 'race'); /* all */ f(`a${g(`${h}`)}b`)";
    expect([...identifiers(code)].sort()).toEqual(
      ["const", "f", "fetch", "g", "h", "port", "r", "say", "yield"].sort(),
    );
    expect(isAsync("const x = await run(body);")).toBe(true);
    expect(isAsync('yield* sleep(1); // await nothing\nsay("await it")')).toBe(false);
  });

  it("reads the entry points from the exports map, so a new one is picked up, and imports types as types", () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-doc-extract-"));
    try {
      const pkg = {
        name: "corio",
        exports: {
          ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
          "./worker": { types: "./dist/worker/index.d.ts", default: "./dist/worker/index.js" },
          "./package.json": "./package.json",
        },
      };
      writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
      mkdirSync(join(dir, "src/worker"), { recursive: true });
      writeFileSync(join(dir, "src/index.ts"), 'export { spawn, type Task } from "./spawn.js";\n');
      writeFileSync(
        join(dir, "src/worker/index.ts"),
        'export type { PoolOptions } from "./pool.js";\nexport * from "./more.js";\nexport function pool() {}\n',
      );
      writeFileSync(
        join(dir, "src/worker/more.ts"),
        "export interface Job {}\nexport const run = 1;\n",
      );
      const found = entryPoints(dir);
      expect(found.map((e) => [e.specifier, e.source])).toEqual([
        ["corio", "src/index.ts"],
        ["corio/worker", "src/worker/index.ts"],
      ]);
      expect([...(found[1]?.names ?? [])].sort()).toEqual(["Job", "PoolOptions", "pool", "run"]);
      const example = {
        file: "src/worker/pool.ts",
        line: 1,
        code: "const p: PoolOptions = {}; const t: Task<void> = spawn(pool); run;",
        notRun: null,
      };
      const text = moduleFor(example, found, "./scenes.ts", { key: null, given: new Set() });
      expect(text).toContain('import { pool, type PoolOptions, run } from "corio/worker";');
      expect(text).toContain('import { spawn, type Task } from "corio";');
      expect(text).toContain("export default function* example(");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
