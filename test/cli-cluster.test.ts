/**
 * `corio run --workers N FILE`: N copies of a program in a node:cluster that
 * share one listening socket; signals, exit codes, traces and `corio ps`
 * across the copies. Real processes, real HTTP over loopback (curl).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTaskSnapshot } from "corio/trace";
import { afterEach, describe, expect, it } from "vitest";
import { curl, killClusters, startCluster } from "./fixtures/cluster.ts";
import { root, runCorio } from "./fixtures/run-corio.ts";

const program = "test/fixtures/cluster-program.ts";

/** The pids in the `cleanup finished PID` lines. */
function finished(stdout: string): string[] {
  return [...stdout.matchAll(/^cleanup finished (\d+)$/gm)].map((m) => m[1] as string).sort();
}

afterEach(killClusters);

describe("corio run --workers N", () => {
  it("copies answer HTTP on one port (port 0 shared) from different pids; SIGTERM to the primary stops each one after its cleanup, exit 143", async () => {
    const cluster = startCluster(["run", "--workers", "2", program, "--", "serve", "0"]);
    const listening = await cluster.lines(/^listening (\d+) (\d+)$/, 2);
    const ports = new Set(listening.map((m) => m[1]));
    const copies = new Set(listening.map((m) => m[2]));
    expect(ports.size).toBe(1); // one port, picked by the first copy
    expect(copies.size).toBe(2);
    expect(copies.has(String(cluster.child.pid))).toBe(false); // the primary runs no program

    // Each curl is a new connection; the primary hands them out round-robin.
    const answeredBy = new Set<string>();
    for (let i = 0; i < 10 && answeredBy.size < 2; i++) {
      answeredBy.add(await curl(`http://127.0.0.1:${[...ports][0]}/`));
    }
    expect(answeredBy).toEqual(copies);

    cluster.child.kill("SIGTERM"); // to the primary alone, as `kill PID` does
    const { code } = await cluster.exited;
    expect(finished(cluster.stdout())).toEqual([...copies].sort());
    expect(code).toBe(143);
  });

  it("Ctrl-C (SIGINT to the process group) is not doubled: each copy's asynchronous cleanup finishes, exit 130", async () => {
    const cluster = startCluster(["run", "--workers", "2", program]);
    const listening = await cluster.lines(/^listening (\d+) (\d+)$/, 2);
    process.kill(-(cluster.child.pid as number), "SIGINT"); // what a terminal does
    await cluster.lines(/^cleanup started \d+$/, 2); // each copy has taken its own SIGINT
    // Another SIGINT to the primary alone: were it forwarded, each copy would see
    // a second SIGINT, on which main() exits at once, before "cleanup finished".
    cluster.child.kill("SIGINT");
    const { code } = await cluster.exited;
    expect(finished(cluster.stdout())).toEqual(listening.map((m) => m[2] as string).sort());
    expect(code).toBe(130);
  });

  it("a copy that fails stops the others (their cleanup runs); the exit code is the failure's", async () => {
    const cluster = startCluster(["run", "--workers", "2", program, "--", "fail"]);
    const listening = await cluster.lines(/^listening (\d+) (\d+)$/, 2);
    const url = `http://127.0.0.1:${listening[0]?.[1]}/`;
    // Requests alternate between the copies: within two, copy 1 gets one and fails.
    const done = cluster.exited.then(() => true);
    for (let i = 0; i < 10 && !(await Promise.race([done, Promise.resolve(false)])); i++) {
      await curl(url).catch(() => "");
    }
    const { code } = await cluster.exited;
    expect(cluster.stderr()).toMatch(/copy 1 failed/);
    expect(finished(cluster.stdout())).toEqual(listening.map((m) => m[2] as string).sort());
    expect(code).toBe(1);
  });

  it("if the primary is killed (SIGKILL), each copy is still cancelled and runs its cleanup", async () => {
    const cluster = startCluster(["run", "--workers", "2", program]);
    const listening = await cluster.lines(/^listening (\d+) (\d+)$/, 2);
    cluster.child.kill("SIGKILL");
    // The copies share the primary's stdout: the pipe closes when the last copy has exited.
    const { signal } = await cluster.exited;
    expect(signal).toBe("SIGKILL");
    expect(finished(cluster.stdout())).toEqual(listening.map((m) => m[2] as string).sort());
  });

  it("corio ps on the primary lists the copies, each with its tasks", async () => {
    const cluster = startCluster(["run", "--workers", "2", program]);
    const listening = await cluster.lines(/^listening (\d+) (\d+)$/, 2);
    const pids = listening.map((m) => Number(m[2])).sort();
    const json = await runCorio(["ps", "--json", String(cluster.child.pid)]);
    expect(json.code).toBe(0);
    const snapshot = JSON.parse(json.stdout);
    expect(snapshot.pid).toBe(cluster.child.pid);
    expect(snapshot.runtimes).toEqual([]);
    expect(snapshot.copies.map((c: { pid: number }) => c.pid).sort()).toEqual(pids);
    for (const copy of snapshot.copies) {
      const waits = copy.snapshot.runtimes[0].tasks.map((t: { waitingOn: string }) => t.waitingOn);
      expect(waits).toContain(`serve http://127.0.0.1:${listening[0]?.[1]}`);
    }
    const tree = await runCorio(["pstree", String(cluster.child.pid)]);
    expect(tree.stdout).toMatch(
      new RegExp(`^copy 1 of 2 \\(pid ${snapshot.copies[0].pid}\\)$`, "m"),
    );
    expect(tree.stdout).toMatch(
      new RegExp(`^copy 2 of 2 \\(pid ${snapshot.copies[1].pid}\\)$`, "m"),
    );
    expect(tree.stdout).toMatch(/\[waiting\] serve http:/);
    const table = await runCorio(["ps", String(cluster.child.pid)]);
    expect(table.stdout.match(/^ID\s+PARENT\s+STATE/gm)).toHaveLength(2);
    cluster.child.kill("SIGTERM");
    expect((await cluster.exited).code).toBe(143);
  });

  it("a primary's answer cannot make the reader signal processes that are not its copies", async () => {
    const bystander = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    const forged = spawn(
      process.execPath,
      ["--import", "tsx", "test/fixtures/cluster-forged-primary.ts", String(bystander.pid)],
      { cwd: root },
    );
    try {
      await new Promise((resolve) => forged.stdout.once("data", resolve));
      const snapshot = await readTaskSnapshot(forged.pid as number);
      expect(snapshot.runtimes).toEqual([]);
      expect(snapshot.copies).toEqual([
        { pid: 1, error: `process 1 is not a copy of ${forged.pid}` },
        { pid: bystander.pid, error: `process ${bystander.pid} is not a copy of ${forged.pid}` },
      ]);
      // Refused before any signal is sent (pid 1 and the bystander were never asked).
    } finally {
      forged.kill("SIGKILL");
      bystander.kill("SIGKILL");
    }
  });

  it("--trace OUT writes one trace per copy, named with its pid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corio-cluster-"));
    const out = join(dir, "run.json");
    const cluster = startCluster(["run", "--workers", "2", "--trace", out, program]);
    const listening = await cluster.lines(/^listening (\d+) (\d+)$/, 2);
    cluster.child.kill("SIGTERM");
    expect((await cluster.exited).code).toBe(143);
    const expected = listening.map((m) => `run.${m[2]}.json`).sort();
    expect(readdirSync(dir).sort()).toEqual(expected);
    for (const name of expected) {
      const trace = JSON.parse(readFileSync(join(dir, name), "utf8"));
      const events = Array.isArray(trace) ? trace : trace.traceEvents;
      expect(events.length).toBeGreaterThan(0);
    }
    expect(existsSync(out)).toBe(false);
  });

  it("copies whose program returns exit by themselves; the exit code is 0; arguments reach each copy", async () => {
    const { code, stdout } = await runCorio([
      "run",
      "--workers",
      "2",
      "test/fixtures/cli-program.ts",
      "--",
      "ok",
    ]);
    expect(stdout).toBe('done ["ok"]\ndone ["ok"]\n');
    expect(code).toBe(0);
  });

  it("--workers must be a whole number >= 1 (usage error, exit 2); a missing FILE is reported once", async () => {
    for (const bad of ["0", "-1", "two", "1.5"]) {
      const { code, stderr } = await runCorio(["run", `--workers=${bad}`, program]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/--workers must be a whole number >= 1/);
    }
    const { code, stderr } = await runCorio(["run", "--workers", "2", "no/such/file.ts"]);
    expect(code).toBe(2);
    expect(stderr.match(/cannot find no\/such\/file\.ts/g)).toHaveLength(1);
  });
});
