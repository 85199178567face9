/**
 * docs/concepts.md shows each example of examples/concepts/ with its output.
 * This test runs every example and checks that the page shows its code and its
 * output exactly, so the page cannot drift from the code. After changing an
 * example, regenerate the page's blocks with:
 *
 *   UPDATE_CONCEPTS=1 npx vitest run test/docs-concepts.test.ts
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("..", import.meta.url);
const docPath = new URL("docs/concepts.md", root);
const examples = readdirSync(new URL("examples/concepts/", root))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `examples/concepts/${f}`)
  .sort();

// A shown example: the marker, the code, its output, the end marker. A bare marker
// (a new example, not yet filled in) is matched too, for UPDATE_CONCEPTS.
const BLOCK =
  /<!-- example: (\S+) -->\n(?:```ts\n([\s\S]*?)```\n\nOutput:\n\n```text\n([\s\S]*?)```\n<!-- end example -->\n)?/g;

async function outputOf(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", file], {
    cwd: new URL(".", root).pathname,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return stdout;
}

describe("docs/concepts.md", () => {
  it("shows every example of examples/concepts/, with its code and its output", async () => {
    const outputs = new Map(
      await Promise.all(examples.map(async (f) => [f, await outputOf(f)] as const)),
    );
    let doc = readFileSync(docPath, "utf8");
    if (process.env.UPDATE_CONCEPTS === "1") {
      doc = doc.replace(BLOCK, (_, file: string) => {
        const code = readFileSync(new URL(file, root), "utf8");
        return `<!-- example: ${file} -->\n\`\`\`ts\n${code}\`\`\`\n\nOutput:\n\n\`\`\`text\n${outputs.get(file) ?? "(no such example)\n"}\`\`\`\n<!-- end example -->\n`;
      });
      writeFileSync(docPath, doc);
    }
    const shown = [...doc.matchAll(BLOCK)];
    expect(shown.map((m) => m[1]).sort()).toEqual(examples);
    for (const [, file, code, output] of shown) {
      expect(code, `${file}: the page shows its code`).toBe(
        readFileSync(new URL(file as string, root), "utf8"),
      );
      expect(output, `${file}: the page shows its output`).toBe(outputs.get(file as string));
    }
  }, 60_000);
});
