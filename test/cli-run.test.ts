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
    expect(code).toBe(2);
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

  it("a module with no default export that started a server itself exits 2 at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-run-"));
    const file = join(dir, "server.ts");
    writeFileSync(
      file,
      'import { createServer } from "node:net";\n' +
        "createServer().listen(0, '127.0.0.1');\n" +
        "export const nothing = 1;\n",
    );
    // Without the fix the open server keeps the process alive until runCorio's kill.
    const { code, signal, stderr } = await runCorio(["run", file], { timeoutMs: 15_000 });
    expect(signal).toBe(null);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no default-exported coroutine function/);
  });

  it("the root task is named after the module; waiting on a taskGroup reads 'join taskGroup[0]'", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-run-"));
    const file = join(dir, "app.mjs");
    writeFileSync(
      file,
      `import { sleep, taskGroup } from ${JSON.stringify(join(root, "dist/index.js"))};\n` +
        "export default function* () {\n" +
        "  yield* taskGroup(function* (group) {\n" +
        "    group.spawn(function* () { yield* sleep(5); });\n" +
        "  });\n" +
        "}\n",
    );
    const out = join(dir, "app.trace.json");
    const { code, stderr } = await runCorio(["run", file, "--trace", out]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const events: { name: string; ph: string; tid: number; args?: { name?: string } }[] =
      JSON.parse(readFileSync(out, "utf8")).traceEvents;
    const names = new Map(
      events.filter((e) => e.name === "thread_name").map((e) => [e.tid, e.args?.name]),
    );
    expect(names.get(1)).toBe("app.mjs");
    const rootWaits = events.filter((e) => e.tid === 1 && e.ph === "X" && e.name !== "step");
    expect(rootWaits.map((e) => e.name)).toEqual(["join taskGroup[0]"]);
  });

  it("a program that throws a Proxy whose traps throw exits 1 with a message, no crash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-run-"));
    const file = join(dir, "proxy.ts");
    writeFileSync(
      file,
      "export default function* () {\n" +
        "  throw new Proxy({}, { getPrototypeOf() { throw new Error('trap'); }, get() { throw new Error('trap'); } });\n" +
        "}\n",
    );
    const { code, stderr } = await runCorio(["run", file]);
    expect(code).toBe(1);
    expect(stderr).not.toMatch(/^\s+at /m); // no stack of a crash in corio's own error path
    expect(stderr.length).toBeGreaterThan(0);
  });
});
