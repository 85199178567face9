/** `corio ps PID` / `corio pstree PID` against a live child process running a corio program. */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, root, runCorio } from "./fixtures/run-corio.ts";

describe("corio ps / pstree", () => {
  let child: ChildProcess;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    child = spawn(process.execPath, [bin, "run", "test/fixtures/cli-program.ts", "tree"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("ready")) resolve();
      });
      child.on("exit", () => reject(new Error(`the program exited early: ${out}`)));
    });
  }, 30_000);

  afterAll(async () => {
    child.kill("SIGINT");
    await exited;
  });

  it("ps lists the program's tasks: ids, parents, states, what each waits on", async () => {
    const { code, stdout, stderr } = await runCorio(["ps", String(child.pid)]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/ID\s+PARENT\s+STATE\s+NAME\s+WAITING ON/);
    expect(lines.some((l) => /^\s*1\s+-\s+waiting\s+cli-program\.ts\s+join worker/.test(l))).toBe(
      true,
    );
    expect(
      lines.some((l) =>
        /^\s*\d+\s+1\s+waiting\s+worker\s+sleep (60000 ms )?\(\d+ ms left\)/.test(l),
      ),
    ).toBe(true);
  });

  it("pstree shows the await tree", async () => {
    const { code, stdout } = await runCorio(["pstree", String(child.pid)]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    const parent = lines.findIndex((l) => /cli-program\.ts #1 \[waiting\] join worker/.test(l));
    const worker = lines.findIndex((l) =>
      /worker #\d+ \[waiting\] sleep (60000 ms )?\(\d+ ms left\)/.test(l),
    );
    expect(parent).toBeGreaterThanOrEqual(0);
    expect(worker).toBeGreaterThan(parent);
  });

  it("--json prints the snapshot", async () => {
    const { code, stdout } = await runCorio(["ps", String(child.pid), "--json"]);
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout);
    expect(snapshot.pid).toBe(child.pid);
    const names = snapshot.runtimes.flatMap((r: any) => r.tasks.map((t: any) => t.name));
    expect(names).toEqual(expect.arrayContaining(["cli-program.ts", "worker"]));
  });

  it("a process that does not exist is an error (exit 1) naming the reason", async () => {
    const { code, stderr } = await runCorio(["ps", "999999"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/ESRCH/);
  });

  it("the program still ends normally afterwards", async () => {
    child.kill("SIGINT");
    expect(await exited).toBe(130);
  });
});
