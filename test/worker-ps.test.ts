// One task tree across threads: `corio ps` / `pstree` list a worker runtime's tasks under the
// task that spawned it, and a worker too busy to answer as busy; traces get the worker's rows.
import { type ChildProcess, execFile, spawn as spawnProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Runtime } from "corio";
import { formatTaskTable, formatTaskTree, readTaskSnapshot } from "corio/trace";
import { spawnWorker } from "corio/worker";
import { afterAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const program = fileURLToPath(new URL("./fixtures/worker-ps-program.ts", import.meta.url));
const body = new URL("./fixtures/worker-spawn-body.ts", import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), "corio-worker-ps-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts the fixture; resolves with its pid once it printed "ready". */
function start(mode: string): Promise<{ pid: number; env: NodeJS.ProcessEnv }> {
  const env = {
    ...process.env,
    XDG_RUNTIME_DIR: mkdtempSync(join(scratch, "run-")),
    CORIO_DEBUG: "",
  };
  const child = spawnProcess(process.execPath, ["--import", "tsx", program, mode], {
    cwd: root,
    env,
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("ready")) resolve({ pid: child.pid as number, env });
    });
    child.on("exit", (code) => reject(new Error(`fixture exited (${code}): ${stderr}`)));
  });
}

describe("corio ps across threads", () => {
  it("lists a worker's tasks under the task that spawned it", async () => {
    const { pid, env } = await start("tree");
    // On a loaded machine the worker may miss its answer window once: ask again until it answers.
    let snapshot = await readTaskSnapshot(pid);
    for (let i = 0; i < 5 && snapshot.runtimes.some((r) => r.busy === true); i++)
      snapshot = await readTaskSnapshot(pid);
    const [mainRt, workerRt] = snapshot.runtimes;
    expect(snapshot.runtimes).toHaveLength(2);
    const proxy = mainRt?.tasks.find((t) => t.name === "treeworker");
    expect(proxy?.waitingOn).toMatch(/^worker worker-spawn-body\.ts, thread \d+$/);
    expect(workerRt?.thread).toBeGreaterThan(0);
    expect(workerRt?.spawnedBy).toBe(proxy?.id);
    const [wroot, inner] = workerRt?.tasks ?? [];
    expect(wroot).toMatchObject({ name: "treeworker", parent: null, state: "waiting" });
    expect(inner).toMatchObject({ name: "inner-sleeper", parent: wroot?.id });
    // Ids are unique across the process.
    const ids = snapshot.runtimes.flatMap((r) => r.tasks.map((t) => t.id));
    expect(new Set(ids).size).toBe(ids.length);

    const tree = formatTaskTree(snapshot).split("\n");
    const thread = workerRt?.thread;
    expect(tree).toEqual([
      expect.stringMatching(/^task#\d+ \[waiting\] sleep /),
      expect.stringMatching(
        /^└─ treeworker #\d+ \[waiting\] worker worker-spawn-body\.ts, thread \d+$/,
      ),
      expect.stringMatching(
        new RegExp(`^ {3}└─ thread ${thread}: treeworker #${wroot?.id} \\[waiting\\] sleep `),
      ),
      expect.stringMatching(/^ {6}└─ inner-sleeper #\d+ \[waiting\] sleep /),
    ]);

    const table = formatTaskTable(snapshot).split("\n");
    expect(table[0]).toMatch(/^THREAD\s+ID\s+PARENT\s+STATE\s+NAME\s+WAITING ON$/);
    const innerRow = table.find((l) => l.includes("inner-sleeper"));
    expect(innerRow).toMatch(new RegExp(`^${thread}\\s+${inner?.id}\\s+${wroot?.id}\\s+waiting`));
    const rootRow = table.find((l) => l.includes(`${wroot?.id}  `) && l.startsWith(String(thread)));
    expect(rootRow).toMatch(new RegExp(`^${thread}\\s+${wroot?.id}\\s+${proxy?.id}\\s+waiting`));

    // The command prints the same tree.
    const { stdout } = await exec(
      process.execPath,
      ["--import", "tsx", join(root, "src/cli/main.ts"), "pstree", String(pid)],
      { cwd: root, env },
    );
    expect(stdout).toContain(`thread ${thread}: treeworker #${wroot?.id}`);
    expect(stdout).toContain("inner-sleeper");
  });

  it("shows a worker busy in one step as busy, without waiting for it", async () => {
    const { pid } = await start("busy");
    const answered = (s: Awaited<ReturnType<typeof readTaskSnapshot>>) =>
      s.runtimes.some((r) => r.tasks.some((t) => t.name === "inner-sleeper"));
    let snapshot = await readTaskSnapshot(pid);
    for (let i = 0; i < 5 && !answered(snapshot); i++) snapshot = await readTaskSnapshot(pid);
    const busy = snapshot.runtimes.find((r) => r.busy === true);
    expect(busy?.tasks).toEqual([]);
    const proxy = snapshot.runtimes[0]?.tasks.find((t) => t.name === "busyworker");
    expect(busy?.spawnedBy).toBe(proxy?.id);
    // The other worker still answered.
    expect(answered(snapshot)).toBe(true);
    expect(formatTaskTree(snapshot)).toMatch(
      new RegExp(`busyworker #${proxy?.id} .*\\n.*thread ${busy?.thread}: busy`),
    );
    expect(formatTaskTable(snapshot)).toContain(`thread ${busy?.thread}: busy`);
  }, 60_000);
});

describe("traces across threads", () => {
  it("the worker's steps are in the parent's trace, on their own rows", async () => {
    const rt = new Runtime({ trace: true });
    let proxyId = 0;
    await rt.run(function* () {
      const task = spawnWorker(body, { args: ["add", 1, 2], name: "adder" });
      proxyId = task.id;
      yield* task;
    });
    const events = rt.traceEvents().traceEvents;
    const rows = events.filter((e) => e.name === "thread_name");
    const workerRow = rows.find((e) => String(e.args?.name).startsWith("adder [thread "));
    expect(workerRow).toBeDefined();
    const tid = workerRow?.tid as number;
    expect(tid).not.toBe(proxyId);
    // Its spawn names the spawning task as parent; it stepped and completed.
    expect(events.find((e) => e.tid === tid && e.name === "spawn")?.args?.parent).toBe(proxyId);
    expect(events.some((e) => e.tid === tid && e.name === "step" && e.ph === "X")).toBe(true);
    expect(events.some((e) => e.tid === tid && e.name === "done")).toBe(true);
    // On the parent's clock: the worker's steps fall inside the proxy task's life.
    const proxySpawn = events.find((e) => e.tid === proxyId && e.name === "spawn")?.ts as number;
    const proxyEnd = events.find((e) => e.tid === proxyId && e.name === "done")?.ts as number;
    for (const e of events.filter((x) => x.tid === tid && x.ts !== undefined)) {
      expect(e.ts as number).toBeGreaterThanOrEqual(proxySpawn);
      expect(e.ts as number).toBeLessThanOrEqual(proxyEnd);
    }
  });
});
