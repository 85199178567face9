// `corio ps PID`: listing the tasks of a live process, and the permission checks around it.
import { type ChildProcess, execFile, spawn as spawnProcess } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { call, run, sleep, spawn } from "corio";
import { formatTaskTable, formatTaskTree, InspectError, readTaskSnapshot } from "corio/trace";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const program = fileURLToPath(new URL("./fixtures/trace-ps-program.ts", import.meta.url));
const reader = fileURLToPath(new URL("./fixtures/trace-ps-reader.ts", import.meta.url));
const isRoot = process.getuid?.() === 0;

/**
 * A Node binary another user may run: this one, unless it lives somewhere only
 * we can reach (e.g. Node 24 fetched by npx under /root): then the system's.
 */
function nodeForOthers(): string {
  try {
    let dir = process.execPath;
    accessSync(process.execPath, constants.X_OK);
    while (dir !== "/") {
      dir = dirname(dir);
      if ((statSync(dir).mode & 0o001) === 0) throw new Error("not searchable by others");
    }
    return process.execPath;
  } catch {
    return "/usr/bin/node";
  }
}
const NOBODY = 65534;

const scratch = mkdtempSync(join(tmpdir(), "corio-ps-test-"));
chmodSync(scratch, 0o755); // a fixture run as another user reaches its directory below

/**
 * A fixture as one self-contained script in `scratch`, for a process run as
 * another user: that user may not reach this checkout (a clone in a 0700
 * directory, or under /root), nor its node_modules for tsx.
 */
async function bundleForOthers(fixture: string): Promise<string> {
  const out = join(scratch, `${fixture.replace(/.*\//, "").replace(/\.ts$/, "")}.mjs`);
  if (!existsSync(out)) {
    await build({
      entryPoints: [fixture],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
    });
  }
  return out;
}
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

interface Target {
  child: ChildProcess;
  pid: number;
  /** The directory it answers into. */
  dir: string;
  stdout: () => string;
  stderr: () => string;
}

/** Starts the fixture with its own runtime directory; resolves once its task tree is up. */
async function start(
  mode = "tree",
  env: Record<string, string> = {},
  options: { uid?: number } = {},
): Promise<Target> {
  const runtimeDir = mkdtempSync(join(scratch, "run-"));
  const other = options.uid !== undefined;
  if (other) chownSync(runtimeDir, options.uid as number, options.uid as number);
  const node = other ? nodeForOthers() : process.execPath;
  const args = other ? [await bundleForOthers(program), mode] : ["--import", "tsx", program, mode];
  const child = spawnProcess(node, args, {
    cwd: other ? scratch : root,
    env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir, CORIO_DEBUG: "", ...env },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
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
      if (stdout.includes("ready"))
        resolve({
          child,
          pid: child.pid as number,
          dir: join(runtimeDir, "corio"),
          stdout: () => stdout,
          stderr: () => stderr,
        });
    });
    child.on("exit", (code) => reject(new Error(`fixture exited (${code}): ${stderr}`)));
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InspectError);
  return (error as InspectError).code;
}

/** Resolves once `check()` holds, polling every 10 ms; fails after 15 s (the machine may be loaded). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 15_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Sends SIGURG until `check()` holds: a target answers one signal of a burst
 * (10 ms apart), so a signal right after a reader's may be dropped.
 */
async function signalUntil(target: Target, check: () => boolean, what: string): Promise<void> {
  let sent = 0;
  await until(() => {
    if (check()) return true;
    if (sent++ % 10 === 0) process.kill(target.pid, "SIGURG"); // every ~100 ms
    return false;
  }, what);
}

// A target started through tsx may take its time to answer on a loaded
// machine: wait for the answer well past readTaskSnapshot's 3 s default.
const ANSWER = { timeoutMs: 15_000 };

describe("readTaskSnapshot()", () => {
  it("lists the task tree of a live process that did nothing to allow it", async () => {
    const target = await start();
    const asked = Date.now();
    const snapshot = await readTaskSnapshot(target.pid, ANSWER);
    const answered = Date.now();
    expect(snapshot.pid).toBe(target.pid);
    expect(snapshot.argv).toContain(program);
    // Taken for this request: between asking and the answer (same machine, same clock).
    expect(snapshot.takenAt).toBeGreaterThanOrEqual(asked);
    expect(snapshot.takenAt).toBeLessThanOrEqual(answered);
    expect(snapshot.runtimes).toHaveLength(1);
    const { tasks, dump, truncated } = snapshot.runtimes[0] as (typeof snapshot.runtimes)[0];
    expect(truncated).toBe(false);
    const [main, worker, sleeper, waiter] = tasks;
    expect(tasks).toHaveLength(4);
    expect(main).toMatchObject({ parent: null, state: "waiting", waitingOn: "join worker" });
    expect(worker).toMatchObject({ name: "worker", parent: main?.id, state: "waiting" });
    // An uninstrumented process: timers do not keep the duration asked for (8 bytes each).
    expect(worker?.waitingOn).toMatch(/^sleep (60000 ms )?\(\d+ ms left\)$/);
    expect(sleeper).toMatchObject({ name: "sleeper", parent: worker?.id });
    expect(waiter).toMatchObject({ name: "waiter\u001b[31m", waitingOn: "join worker" });

    // pstree: the tree, escaped; ps: the table.
    const tree = formatTaskTree(snapshot);
    expect(tree).toBe(dump);
    expect(tree.split("\n")).toEqual([
      expect.stringMatching(/^task#\d+ \[waiting\] join worker$/),
      expect.stringMatching(/^├─ worker #\d+ \[waiting\] sleep (60000 ms )?\(\d+ ms left\)$/),
      expect.stringMatching(/^│ {2}└─ sleeper #\d+ \[waiting\] sleep /),
      expect.stringMatching(/^└─ waiter\\x1b\[31m #\d+ \[waiting\] join worker$/),
    ]);
    const table = formatTaskTable(tasks);
    expect(table.split("\n")).toHaveLength(5);
    expect(table).not.toContain("\u001b");

    // The answer was read and removed; the directory is the user's alone.
    expect(statSync(target.dir).mode & 0o777).toBe(0o700);
    expect(existsSync(join(target.dir, `${target.pid}.json`))).toBe(false);
    // A second listing works the same.
    expect((await readTaskSnapshot(target.pid, ANSWER)).runtimes[0]?.tasks).toHaveLength(4);
    target.child.kill("SIGTERM");
  });

  it("the target writes its answer 0600, in a 0700 directory, under its pid", async () => {
    const target = await start();
    process.kill(target.pid, "SIGURG");
    const file = join(target.dir, `${target.pid}.json`);
    await until(() => existsSync(file), "the answer file");
    const st = statSync(file);
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(process.getuid?.());
    expect(statSync(target.dir).mode & 0o777).toBe(0o700);
    target.child.kill("SIGTERM");
  });

  it("refuses a directory open to other users, on both sides", async () => {
    const target = await start();
    await readTaskSnapshot(target.pid, ANSWER); // creates the directory
    chmodSync(target.dir, 0o755);
    expect(await codeOf(readTaskSnapshot(target.pid, ANSWER))).toBe("EINSECURE");
    // Signalled anyway, the target writes nothing and says why.
    await signalUntil(target, () => /refusing to write/.test(target.stderr()), "its refusal");
    expect(existsSync(join(target.dir, `${target.pid}.json`))).toBe(false);
    expect(target.stderr()).toMatch(
      /refusing to write to .*: it is open to other users \(mode 0755/,
    );
    // Fixed, it answers again.
    chmodSync(target.dir, 0o700);
    expect((await readTaskSnapshot(target.pid, ANSWER)).runtimes).toHaveLength(1);
    target.child.kill("SIGTERM");
  });

  it("refuses a directory replaced by a symbolic link", async () => {
    const target = await start();
    await readTaskSnapshot(target.pid, ANSWER);
    const elsewhere = mkdtempSync(join(scratch, "elsewhere-"));
    chmodSync(elsewhere, 0o700);
    rmSync(target.dir, { recursive: true });
    symlinkSync(elsewhere, target.dir);
    expect(await codeOf(readTaskSnapshot(target.pid, ANSWER))).toBe("EINSECURE");
    await signalUntil(target, () => /refusing to write/.test(target.stderr()), "its refusal");
    expect(existsSync(join(elsewhere, `${target.pid}.json`))).toBe(false);
    target.child.kill("SIGTERM");
  });

  it.skipIf(!isRoot)("refuses a directory owned by another user", async () => {
    const target = await start();
    await readTaskSnapshot(target.pid, ANSWER);
    chownSync(target.dir, NOBODY, NOBODY);
    expect(await codeOf(readTaskSnapshot(target.pid, ANSWER))).toBe("EINSECURE");
    target.child.kill("SIGTERM");
  });

  it("another user cannot list the process", async () => {
    if (isRoot) {
      const target = await start();
      const { stdout } = await exec(
        nodeForOthers(),
        [await bundleForOthers(reader), String(target.pid)],
        {
          cwd: scratch,
          uid: NOBODY,
          gid: NOBODY,
          env: { ...process.env, HOME: "/tmp" },
        },
      );
      expect(JSON.parse(stdout)).toMatchObject({ ok: false, code: "EPERM" });
      target.child.kill("SIGTERM");
    } else {
      expect(await codeOf(readTaskSnapshot(1))).toBe("EPERM"); // init belongs to root
    }
  });

  it.skipIf(!isRoot)(
    "root can list another user's process (its directory is that user's)",
    async () => {
      const target = await start("tree", {}, { uid: NOBODY });
      const snapshot = await readTaskSnapshot(target.pid, ANSWER);
      expect(snapshot.runtimes[0]?.tasks).toHaveLength(4);
      expect(statSync(target.dir).uid).toBe(NOBODY);
      target.child.kill("SIGTERM");
    },
  );

  it("a process with CORIO_INSPECT=0 is not listed", async () => {
    const target = await start("tree", { CORIO_INSPECT: "0" });
    expect(await codeOf(readTaskSnapshot(target.pid, ANSWER))).toBe("EOPTOUT");
    target.child.kill("SIGTERM");
  });

  it("the program's own SIGURG handler keeps working", async () => {
    const target = await start("own-handler");
    expect((await readTaskSnapshot(target.pid, ANSWER)).runtimes[0]?.tasks).toHaveLength(4);
    await until(() => target.stdout().includes("user handler"), "the program's own handler");
    expect(target.stdout()).toContain("user handler");
    target.child.kill("SIGTERM");
  });

  it("a process that does not use corio does not answer, and is not harmed", async () => {
    const child = spawnProcess(process.execPath, ["-e", "setTimeout(() => {}, 20000)"]);
    children.push(child);
    await new Promise((r) => child.once("spawn", r));
    const pid = child.pid as number;
    expect(await codeOf(readTaskSnapshot(pid, { timeoutMs: 300 }))).toBe("ETIMEDOUT");
    expect(child.exitCode).toBeNull(); // SIGURG's default action is to do nothing
    expect(() => process.kill(pid, 0)).not.toThrow();
    child.kill("SIGKILL");
  });

  it("no such process", async () => {
    const gone = spawnProcess(process.execPath, ["-e", ""]);
    const pid = gone.pid;
    await new Promise((r) => gone.once("exit", r));
    expect(await codeOf(readTaskSnapshot(pid as number, ANSWER))).toBe("ESRCH");
    await expect(readTaskSnapshot(-1)).rejects.toThrow(TypeError);
  });
});

describe("the listener in this process", () => {
  it("listens only while a run is in progress, and lists every active runtime", async () => {
    const saved = process.env.XDG_RUNTIME_DIR;
    process.env.XDG_RUNTIME_DIR = mkdtempSync(join(scratch, "self-"));
    const stopOther = new AbortController();
    try {
      expect(process.listenerCount("SIGURG")).toBe(0);
      const other = run(
        function* () {
          yield* spawn(
            function* () {
              yield* sleep(60_000);
            },
            { name: "other-runtime" },
          );
        },
        { signal: stopOther.signal },
      ).catch(() => "cancelled");
      let during = -1;
      const snapshot = await run(function* () {
        during = process.listenerCount("SIGURG");
        const mine = spawn(
          function* () {
            yield* sleep(60_000);
          },
          { name: "this-runtime" },
        );
        const snap = yield* call(readTaskSnapshot(process.pid));
        mine.cancel();
        return snap;
      });
      stopOther.abort();
      expect(await other).toBe("cancelled");
      expect(during).toBe(1); // one listener, however many runtimes
      expect(process.listenerCount("SIGURG")).toBe(0);
      const names = snapshot.runtimes.map((r) => r.tasks.map((t) => t.name));
      expect(names).toHaveLength(2);
      expect(names).toContainEqual(expect.arrayContaining(["other-runtime"]));
      expect(names).toContainEqual(expect.arrayContaining(["this-runtime"]));
      expect(formatTaskTree(snapshot)).toMatch(/^runtime 1 of 2 \(\d+ tasks\)\n/);
    } finally {
      stopOther.abort();
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
  });

  it("CORIO_INSPECT=0 in the environment: no listener", async () => {
    process.env.CORIO_INSPECT = "0";
    try {
      const count = await run(function* () {
        return process.listenerCount("SIGURG");
      });
      expect(count).toBe(0);
    } finally {
      delete process.env.CORIO_INSPECT;
    }
  });
});
