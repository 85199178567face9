/** The `corio` command line: help, usage errors (exit code 2), `corio trace`. */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bin, root, runCorio } from "./fixtures/run-corio.ts";

const commands = ["run", "trace", "ps", "pstree", "tour"];
const sample = "test/fixtures/sample.trace.json";

describe("corio --help", () => {
  it("lists every command and exits 0", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const { code, stdout, stderr } = await runCorio(args);
      expect(code).toBe(0);
      expect(stderr).toBe("");
      for (const c of commands) expect(stdout).toContain(`corio ${c}`);
    }
  });

  it("each command has its own help, on stdout, exit 0", async () => {
    for (const c of commands) {
      for (const args of [
        [c, "--help"],
        [c, "-h"],
        ["help", c],
      ]) {
        const { code, stdout } = await runCorio(args);
        expect(code, args.join(" ")).toBe(0);
        expect(stdout).toMatch(new RegExp(`^Usage: corio ${c}`));
      }
    }
  });

  it("--version prints the package's version", async () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    const { code, stdout } = await runCorio(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });
});

describe("usage errors exit 2 with a message on stderr", () => {
  const cases: [string[], RegExp][] = [
    [[], /missing command/],
    [["frobnicate"], /no such command: frobnicate/],
    [["--frobnicate"], /unknown option --frobnicate/],
    [["help", "frobnicate"], /no such command: frobnicate/],
    [["run"], /missing FILE/],
    [["run", "x.ts", "--tracee", "out.json"], /--tracee/],
    [["run", "x.ts", "--trace"], /--trace/],
    [["trace"], /missing TRACE\.json/],
    [["trace", "a.json", "b.json"], /unexpected argument b\.json/],
    [["trace", "a.json", "--width", "wide"], /--width/],
    [["ps"], /missing PID/],
    [["ps", "not-a-pid"], /PID must be a process id/],
    [["pstree", "-5"], /-5|PID/],
    [["tour", "extra"], /unexpected argument extra/],
  ];
  for (const [args, message] of cases) {
    it(`corio ${args.join(" ")}`, async () => {
      const { code, stdout, stderr } = await runCorio(args);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(message);
      expect(stderr).toMatch(/Try 'corio( \w+)? --help'/);
    });
  }
});

describe("corio trace", () => {
  it("writes one self-contained page next to the trace by default", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-trace-"));
    copyFileSync(sample, join(dir, "app.trace.json"));
    const { code, stdout } = await runCorio(["trace", "app.trace.json"], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/wrote app\.trace\.html: \d+ tasks/);
    const html = readFileSync(join(dir, "app.trace.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    // No network: nothing loaded from elsewhere.
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//);
  });

  it("-o chooses the output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-trace-"));
    const out = join(dir, "timeline.html");
    const { code } = await runCorio(["trace", sample, "-o", out]);
    expect(code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("<canvas");
  });

  it("--text draws the timeline in the terminal, one row per task", async () => {
    const { code, stdout } = await runCorio(["trace", sample, "--text", "--width", "40"]);
    expect(code).toBe(0);
    const trace = JSON.parse(readFileSync(sample, "utf8"));
    const names = trace.traceEvents
      .filter((e: any) => e.ph === "M" && e.name === "thread_name")
      .map((e: any) => e.args.name as string);
    for (const name of names) expect(stdout).toContain(name);
    expect(stdout.split("\n").filter((l) => l.includes("│")).length).toBe(names.length);
    expect(stdout.includes("\x1b[")).toBe(false); // NO_COLOR is set
  });

  it("a missing or malformed trace is an error (exit 1), not a crash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-trace-"));
    const missing = await runCorio(["trace", join(dir, "none.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*none\.json/);
    writeFileSync(join(dir, "bad.json"), "{not json");
    const bad = await runCorio(["trace", join(dir, "bad.json")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a JSON file/);
    writeFileSync(join(dir, "other.json"), '{"hello": 1}');
    const other = await runCorio(["trace", join(dir, "other.json")]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/not a Chrome trace/);
  });

  it("--text into a pipe whose reader has gone (`| head -1`) exits quietly", async () => {
    // Our end of the pipe is closed before corio writes anything: every write is EPIPE.
    const child = spawn(process.execPath, [bin, "trace", sample, "--text"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
