/** corio/signal: deliveries as a stream, in this process and in a program that waits for them. */
import { execFile, spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { run, spawn } from "corio";
import { signal } from "corio/signal";
import { waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const program = fileURLToPath(new URL("./fixtures/io-signal-program.ts", import.meta.url));

describe("corio/signal", () => {
  it("delivers each signal to recv(), keeps those that arrive while nobody waits", async () => {
    const listeners = process.listenerCount("SIGUSR2");
    const got = await run(function* () {
      using usr2 = signal("SIGUSR2");
      const waiting = spawn(function* () {
        return yield* usr2.recv();
      });
      yield* waitIdle();
      process.kill(process.pid, "SIGUSR2");
      const first = yield* waiting;
      process.kill(process.pid, "SIGUSR2");
      process.kill(process.pid, "SIGUSR2");
      const more = [yield* usr2.recv(), yield* usr2.recv()];
      return { first, more };
    });
    expect(got.first).toEqual({ done: false, value: "SIGUSR2" });
    expect(got.more).toEqual([
      { done: false, value: "SIGUSR2" },
      { done: false, value: "SIGUSR2" },
    ]);
    expect(process.listenerCount("SIGUSR2")).toBe(listeners); // closed by `using`
  });

  it("a cancelled recv takes no delivery; close() ends the stream for waiting receivers", async () => {
    const got = await run(function* () {
      const usr2 = signal("SIGUSR2");
      const cancelled = spawn(function* () {
        return yield* usr2.recv();
      });
      yield* waitIdle();
      cancelled.cancel();
      process.kill(process.pid, "SIGUSR2");
      const kept = yield* usr2.recv();
      const ending = spawn(function* () {
        return yield* usr2.recv();
      });
      yield* waitIdle();
      usr2.close();
      return { state: cancelled.state, kept, ended: yield* ending, after: yield* usr2.recv() };
    });
    expect(got).toEqual({
      state: "cancelled",
      kept: { done: false, value: "SIGUSR2" },
      ended: { done: true, value: undefined },
      after: { done: true, value: undefined },
    });
  });

  it("is async-iterable from plain async code", async () => {
    const usr2 = signal("SIGUSR2");
    const seen: string[] = [];
    const loop = (async () => {
      for await (const name of usr2) {
        seen.push(name);
        if (seen.length === 2) break;
      }
    })();
    await new Promise((r) => setImmediate(r));
    process.kill(process.pid, "SIGUSR2");
    process.kill(process.pid, "SIGUSR2");
    await loop;
    usr2.close();
    expect(seen).toEqual(["SIGUSR2", "SIGUSR2"]);
  });

  it("rejects what is not a catchable signal", () => {
    expect(() => signal("SIGKILL")).toThrow(/cannot be caught/);
    expect(() => signal("SIGHUP", { ref: "no" as never })).toThrow(/options.ref must be a boolean/);
    expect(() => signal("INT" as NodeJS.Signals)).toThrow(TypeError);
  });

  it("a program waiting only for a signal stays alive until it arrives", async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawnProcess(process.execPath, ["--import", "tsx", program], { cwd: root });
        let stdout = "";
        let stderr = "";
        let sent = 0;
        child.stdout.on("data", (b: Buffer) => {
          stdout += b.toString();
          const lines = stdout.split("\n").length - 1;
          if (lines > sent && sent < 2) {
            sent++;
            child.kill("SIGHUP");
          }
        });
        child.stderr.on("data", (b: Buffer) => {
          stderr += b.toString();
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("ready\ngot SIGHUP\ngot SIGHUP\ndone\n");
    expect(out.code).toBe(0);
  });

  it("with {ref: false}, waiting only for a signal does not keep the process alive", async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      ["--import", "tsx", program, "unref"],
      {
        cwd: root,
        timeout: 20_000,
      },
    );
    // The process was about to exit with the run still waiting: the run says so.
    expect(stdout).toBe("ready\nended: DeadlockError\n");
  });
});
