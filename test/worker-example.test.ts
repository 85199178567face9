/** examples/parallel-hasher.ts: digests match, and Ctrl-C cancels the hashing cleanly. */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "corio";
import { afterAll, describe, expect, it } from "vitest";
import { filesOf, hashFiles } from "../examples/parallel-hasher.ts";
import { runCorio } from "./fixtures/run-corio.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "corio-hasher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("examples/parallel-hasher.ts", () => {
  it("hashes every file of a directory on the pool, with a progress line per file", async () => {
    const contents = ["", "a", "hello\n", "x".repeat(3 * 1024 * 1024 + 17)];
    for (const [i, text] of contents.entries()) writeFileSync(join(dir, `file-${i}.txt`), text);
    const lines: string[] = [];
    const results = await run(() => hashFiles(filesOf([dir]), (line) => lines.push(line)));
    expect(results.map((r) => r.digest)).toEqual(
      contents.map((text) => createHash("sha256").update(text).digest("hex")),
    );
    expect(results.map((r) => r.bytes)).toEqual(contents.map((text) => text.length));
    expect(lines).toHaveLength(4);
    expect(lines.at(-1)).toMatch(/^\[4\/4\] [0-9a-f]{64} {2}/);
  });

  it("corio ps shows the jobs; Ctrl-C cancels the files still hashing, reports how far it got, exits with 130", async () => {
    // /dev/zero never ends: its two jobs hash until their threads are terminated.
    const small = join(dir, "small.txt");
    writeFileSync(small, "small\n");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "examples/parallel-hasher.ts", small, "/dev/zero", "/dev/zero"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (s: string) => {
        out += s;
        if (out.includes("[1/3]")) resolve();
      });
      child.stderr.setEncoding("utf8").on("data", (s: string) => {
        out += s;
      });
      exited.then(() => reject(new Error(`exited before hashing the small file:\n${out}`)));
    });
    // While they hash, `corio ps` shows what each file's task waits on.
    const ps = await runCorio(["ps", String(child.pid)]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(
      /waiting\s+hash \/dev\/zero\s+worker job sha256File in hash-file\.ts/,
    );
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(out).toMatch(/\[1\/3\] [0-9a-f]{64} {2}.*small\.txt \(6 bytes\)/);
    expect(out).toContain("cancelled: 1 of 3 files hashed");
    expect(out).not.toContain("done:");
    expect(out).not.toMatch(/\[2\/3\]/); // the cancelled files report no digest
  });
});
