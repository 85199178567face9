import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const program = fileURLToPath(new URL("./fixtures/main-program.ts", import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture; `signals` are sent once it prints "ready" (then after each "cleanup started"). */
function runProgram(mode: string, signals: NodeJS.Signals[] = []): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", program, mode], { cwd: root });
    let stdout = "";
    let stderr = "";
    const queue = [...signals];
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (queue.length > 0 && (stdout.includes("ready") || stdout.includes("cleanup started"))) {
        const next = queue.shift() as NodeJS.Signals;
        // After the first signal, wait for cleanup to start before the second.
        if (queue.length === 0 || stdout.includes("ready")) child.kill(next);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("main()", () => {
  it("exits 0 on success", async () => {
    const { code, stdout } = await runProgram("ok");
    expect(stdout).toBe("done\n");
    expect(code).toBe(0);
  });

  it("exits 1 on error and prints it to stderr", async () => {
    const { code, stderr } = await runProgram("error");
    expect(code).toBe(1);
    expect(stderr).toMatch(/program failed/);
  });

  it("a body stuck on something nothing will settle exits 1 with a DeadlockError, not a hang", async () => {
    const { code, stderr } = await runProgram("stuck");
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /DeadlockError: deadlock: the process is about to exit while run\(\) is still pending/,
    );
    expect(stderr).toMatch(/waiting on call \(a Promise\)/);
  });

  it("SIGINT cancels the body, cleanup runs, exit code 130", async () => {
    const { code, stdout } = await runProgram("wait", ["SIGINT"]);
    expect(stdout).toBe("ready\ncleanup started\ncleanup finished\n");
    expect(code).toBe(130);
  });

  it("SIGTERM cancels the body, cleanup runs, exit code 143", async () => {
    const { code, stdout } = await runProgram("wait", ["SIGTERM"]);
    expect(stdout).toBe("ready\ncleanup started\ncleanup finished\n");
    expect(code).toBe(143);
  });

  it("a second SIGINT exits at once, even during a slow cleanup", async () => {
    const { code, stdout } = await runProgram("slow-cleanup", ["SIGINT", "SIGINT"]);
    expect(stdout).toBe("ready\ncleanup started\n");
    expect(code).toBe(130);
  });
});
