/** `corio run FILE`: the default export runs under main(), with main()'s exit codes. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, runCorio } from "./fixtures/run-corio.ts";

const program = "test/fixtures/cli-program.ts";

describe("corio run", () => {
  it("runs the default export and exits 0; arguments after -- reach the program", async () => {
    const { code, stdout, stderr } = await runCorio(["run", program, "--", "ok", "--flag"]);
    expect(stderr).toBe("");
    expect(stdout).toBe('done ["ok","--flag"]\n');
    expect(code).toBe(0);
  });

  it("exits 1 when the program fails, with the error on stderr", async () => {
    const { code, stderr } = await runCorio(["run", program, "error"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/program failed/);
  });

  it("SIGINT cancels the program, its cleanup runs, exit code 130", async () => {
    const { code, stdout } = await runCorio(["run", program, "wait"], {
      signals: [{ when: "ready", signal: "SIGINT" }],
    });
    expect(stdout).toBe("ready\ncleanup started\ncleanup finished\n");
    expect(code).toBe(130);
  });

  it("SIGTERM cancels the program, its cleanup runs, exit code 143", async () => {
    const { code, stdout } = await runCorio(["run", program, "wait"], {
      signals: [{ when: "ready", signal: "SIGTERM" }],
    });
    expect(stdout).toBe("ready\ncleanup started\ncleanup finished\n");
    expect(code).toBe(143);
  });

  it("runs plain JavaScript modules too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-run-"));
    const file = join(dir, "app.mjs");
    // A .js program outside the repository imports corio by path, as a copy would.
    writeFileSync(
      file,
      `import { sleep } from ${JSON.stringify(join(root, "dist/index.js"))};\n` +
        `export default function* () { yield* sleep(1); console.log("js ok"); }\n`,
    );
    const { code, stdout } = await runCorio(["run", file]);
    expect(stdout).toBe("js ok\n");
    expect(code).toBe(0);
  });

  it("says what to add when the module has no default-exported coroutine function", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-run-"));
    const file = join(dir, "nothing.ts");
    writeFileSync(file, "export const x = 1;\n");
    const { code, stderr } = await runCorio(["run", file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/no default-exported coroutine function/);
    expect(stderr).toMatch(/export default function\*/);
  });

  it("a missing file is a usage error (exit 2), as with python", async () => {
    const { code, stderr } = await runCorio(["run", "no/such/file.ts"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot find no\/such\/file\.ts/);
  });

  it("--debug turns on debug mode: a step that blocks the loop is reported", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-run-"));
    const file = join(dir, "block.ts");
    writeFileSync(
      file,
      "export default function* () {\n" +
        "  const start = Date.now();\n" +
        "  while (Date.now() - start < 150) {} // blocks the event loop\n" +
        '  console.log("done");\n' +
        "}\n",
    );
    const plain = await runCorio(["run", file]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe("");
    const debug = await runCorio(["run", "--debug", file]);
    expect(debug.code).toBe(0);
    expect(debug.stdout).toBe("done\n");
    expect(debug.stderr).toMatch(/blocked the event loop/);
  });

  it("--trace writes a trace that corio trace turns into a page", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-run-"));
    const out = join(dir, "run.trace.json");
    const run = await runCorio(["run", program, "--trace", out, "--", "ok"]);
    expect(run.code).toBe(0);
    const trace = JSON.parse(readFileSync(out, "utf8"));
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    expect(trace.traceEvents.some((e: any) => e.ph === "X" && e.cat === "step")).toBe(true);
    const page = join(dir, "run.html");
    const drawn = await runCorio(["trace", out, "-o", page]);
    expect(drawn.code).toBe(0);
    expect(readFileSync(page, "utf8")).toMatch(/^<!doctype html>/);
  });
});
