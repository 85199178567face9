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
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Coroutine, call } from "corio";
import { runTest } from "corio/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryPoints, findExamples, isAsync, moduleFor, sceneKey } from "./doc-examples/extract.ts";
import { noScene, type Scene, scenes, stopScenes } from "./doc-examples/scenes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "test/output/doc-examples");
const examples = findExamples(root);
const entries = entryPoints(root);
const sceneOf = (key: string): Scene<object> =>
  (scenes as Record<string, Scene<object>>)[key] ?? noScene;
const moduleName = (i: number) => `example-${String(i + 1).padStart(3, "0")}.ts`;

function writeModules(): void {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  examples.forEach((example, i) => {
    const given = new Set(sceneOf(sceneKey(example)).names);
    const text = moduleFor(example, entries, "../../doc-examples/scenes.ts", given);
    writeFileSync(join(out, moduleName(i)), text);
  });
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
        examples.some((e) => sceneKey(e) === key),
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
    expect(named).toBe("");
  });

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
      const scene = sceneOf(sceneKey(example));
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
