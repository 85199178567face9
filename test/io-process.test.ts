/** corio/process: exec and output with real programs; exit codes; stdio pipes; killed when cancelled. */

import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CancelledError,
  type Coroutine,
  call,
  run,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "corio";
import { type Child, exec, output } from "corio/process";
import { waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";
import { countResources, settle } from "./io-helpers.js";

/** True once no process with this pid exists: killed *and* reaped (a zombie still answers). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * True once an orphaned grandchild is dead: gone, or a zombie waiting for a
 * pid 1 that may never reap it (a container's init need not).
 */
function dead(pid: number): boolean {
  if (gone(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/** Reads the next line the child prints: a pid the shell echoed. */
function* pidLine(child: Child): Coroutine<number> {
  const line = yield* (child.stdout as NonNullable<Child["stdout"]>).readLine();
  return Number(line);
}

describe("corio/process", () => {
  it("output captures stdout, stderr and the exit code", async () => {
    const got = await run(function* () {
      const ok = yield* output("sh", ["-c", "echo out; echo err >&2"]);
      const fail = yield* output("sh", ["-c", "exit 3"]);
      return {
        stdout: ok.stdout.toString(),
        stderr: ok.stderr.toString(),
        ok: [ok.code, ok.success],
        fail: [fail.code, fail.signal, fail.success],
      };
    });
    expect(got).toEqual({
      stdout: "out\n",
      stderr: "err\n",
      ok: [0, true],
      fail: [3, null, false],
    });
  });

  it("exec: write to stdin, read stdout line by line, wait for the exit status", async () => {
    const got = await run(function* () {
      using child = yield* exec("sort", [], { stderr: "ignore" });
      const stdin = child.stdin;
      const stdout = child.stdout;
      if (stdin === null || stdout === null) throw new Error("pipes expected");
      yield* stdin.write("pear\napple\nfig\n");
      stdin.close(); // EOF for sort
      const lines: string[] = [];
      for (let l = yield* stdout.readLine(); l !== null; l = yield* stdout.readLine())
        lines.push(l);
      const status = yield* child.wait();
      const again = yield* child.wait();
      return { lines, status, same: status === again, pid: child.pid > 0 };
    });
    expect(got).toEqual({
      lines: ["apple", "fig", "pear"],
      status: { code: 0, signal: null, success: true },
      same: true,
      pid: true,
    });
  });

  it("a missing program is ENOENT naming it", async () => {
    const error = await run(function* () {
      try {
        yield* exec("corio-no-such-program", []);
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
      return null;
    });
    expect(error?.code).toBe("ENOENT");
    expect(error?.message).toBe(
      "exec corio-no-such-program failed: no such file or directory (ENOENT)",
    );
  });

  it("kill(signal) ends a child; the status reports the signal", async () => {
    const status = await run(function* () {
      using child = yield* exec("sleep", ["1000"], { stdout: "ignore", stderr: "ignore" });
      child.kill("SIGTERM");
      return yield* child.wait();
    });
    expect(status).toEqual({ code: null, signal: "SIGTERM", success: false });
  });

  it("a long-running child is killed and reaped when its task is cancelled", async () => {
    const before = countResources(/ProcessWrap/);
    const pid = await run(function* () {
      let pid = 0;
      const task = spawn(function* (): Coroutine<void> {
        using child = yield* exec("sleep", ["1000"]);
        pid = child.pid;
        yield* child.wait();
      });
      yield* waitIdle();
      while (pid === 0) yield* sleep(1);
      expect(gone(pid)).toBe(false);
      task.cancel();
      return pid;
    });
    expect(await settle(() => gone(pid))).toBe(true);
    expect(await settle(() => countResources(/ProcessWrap/) <= before)).toBe(true);
  });

  it("output() under a timeout kills the child it started", async () => {
    const before = countResources(/ProcessWrap/);
    const got = await run(function* () {
      try {
        yield* timeout(200, output("sh", ["-c", "echo $$; exec sleep 1000"]));
      } catch (e) {
        return e instanceof TimeoutError;
      }
      return false;
    });
    expect(got).toBe(true);
    expect(await settle(() => countResources(/ProcessWrap/) <= before)).toBe(true);
  });

  it("a child whose output nobody reads is held back by the pipe (pull-based)", async () => {
    const got = await run(function* () {
      // `yes` writes forever; with nobody reading, it must block on the full pipe.
      using child = yield* exec("yes", [], { stderr: "ignore" });
      yield* sleep(50);
      const buffered = child.stdout?.statistics().buffered ?? -1;
      const first = yield* (child.stdout as NonNullable<typeof child.stdout>).readLine();
      return { buffered, first, running: child.exitStatus === null };
    });
    expect(got.buffered).toBeLessThan(1024 * 1024);
    expect(got.first).toBe("y");
    expect(got.running).toBe(true);
  });

  describe("process groups", () => {
    it("close() stops what the child started: a shell's background sleep is gone", async () => {
      const pids = await run(function* () {
        using child = yield* exec("sh", ["-c", "sleep 1000 & echo $!; wait"]);
        const grandchild = yield* pidLine(child);
        const before = dead(grandchild);
        child.close();
        return { grandchild, before, shell: child.pid };
      });
      expect(pids.before).toBe(false);
      expect(await settle(() => dead(pids.grandchild))).toBe(true);
      expect(await settle(() => gone(pids.shell))).toBe(true);
    });

    it("cancelling a task that waits on the child stops its whole group", async () => {
      const grandchild = await run(function* () {
        let pid = 0;
        const task = spawn(function* (): Coroutine<void> {
          using child = yield* exec("sh", ["-c", "sleep 1000 & echo $!; wait"]);
          pid = yield* pidLine(child);
          yield* child.wait();
        });
        while (pid === 0) yield* sleep(1);
        task.cancel();
        return pid;
      });
      expect(await settle(() => dead(grandchild))).toBe(true);
    });

    it("a group that ignores SIGTERM gets SIGKILL after killTimeoutMs", async () => {
      const got = await run(function* () {
        using child = yield* exec("sh", ["-c", "trap '' TERM; sleep 1000 & echo $!; wait"], {
          killTimeoutMs: 200,
        });
        const grandchild = yield* pidLine(child);
        child.close();
        yield* sleep(20);
        const afterTerm = dead(grandchild);
        const status = yield* child.wait();
        return { grandchild, afterTerm, status };
      });
      expect(got.afterTerm).toBe(false); // SIGTERM is ignored...
      expect(got.status.signal).toBe("SIGKILL"); // ...so the group was killed
      expect(await settle(() => dead(got.grandchild))).toBe(true);
    });

    it("processGroup: false signals the child alone; its background sleep lives on", async () => {
      const got = await run(function* () {
        using child = yield* exec("sh", ["-c", "sleep 1000 & echo $!; wait"], {
          processGroup: false,
        });
        const grandchild = yield* pidLine(child);
        child.close();
        const status = yield* child.wait();
        return { grandchild, status };
      });
      try {
        expect(got.status.signal).toBe("SIGTERM");
        expect(dead(got.grandchild)).toBe(false);
      } finally {
        process.kill(got.grandchild, "SIGKILL");
      }
    });

    it("a cancelled output() completes its cancellation only once the child is reaped", async () => {
      const dir = await mkdtemp(join(tmpdir(), "corio-output-"));
      const file = join(dir, "pid");
      try {
        const got = await run(function* () {
          // The shell ignores SIGTERM (and so does its sleep): only the SIGKILL ends it.
          const task = spawn(() =>
            output("sh", ["-c", `trap '' TERM; echo $$ > ${file}; sleep 1000`], {
              killTimeoutMs: 200,
            }),
          );
          let pid = 0;
          while (pid === 0) {
            yield* sleep(5);
            pid = Number(yield* call(readFile(file, "utf8").catch(() => "0")));
          }
          task.cancel();
          try {
            yield* task;
          } catch (e) {
            return { pid, reapedWhenJoined: gone(pid), cancelled: e instanceof CancelledError };
          }
          return { pid, reapedWhenJoined: gone(pid), cancelled: false };
        });
        expect(got).toEqual({ pid: got.pid, reapedWhenJoined: true, cancelled: true });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("docs/io.md's pattern: waiting in the cleanup ends the cancellation only once the child is reaped", async () => {
      const got = await run(function* () {
        let pid = 0;
        const build = spawn(function* () {
          // The shell ignores SIGTERM: only the SIGKILL after killTimeoutMs ends it.
          const child = yield* exec("sh", ["-c", "trap '' TERM; echo $$; sleep 1000"], {
            killTimeoutMs: 200,
          });
          try {
            pid = yield* pidLine(child);
            return yield* child.wait();
          } finally {
            child.close();
            yield* child.wait();
          }
        });
        while (pid === 0) yield* sleep(1);
        build.cancel();
        try {
          yield* build;
        } catch {}
        return { pid, reaped: gone(pid), state: build.state };
      });
      expect(got).toEqual({ pid: got.pid, reaped: true, state: "cancelled" });
    });

    it("bad options are named", () => {
      expect(() => exec("true", [], { killTimeoutMs: -1 })).toThrow(/options.killTimeoutMs/);
      expect(() => output("true", [], { killTimeoutMs: Number.NaN })).toThrow(
        /options.killTimeoutMs/,
      );
      expect(() => exec("true", [], { processGroup: "yes" as never })).toThrow(
        /options.processGroup must be a boolean/,
      );
      expect(() => exec("true", [], { killSignal: "SIGNOPE" as never })).toThrow(
        'options.killSignal must be a signal name such as "SIGTERM", got "SIGNOPE"',
      );
      expect(() => output("true", [], { killSignal: 9 as never })).toThrow(/got number/);
    });
  });
});
