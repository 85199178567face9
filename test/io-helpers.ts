/** Shared helpers for the io-*.test.ts files: foreign processes and handle counting. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A child process whose stdout can be awaited line by line. */
export interface Foreign {
  child: ChildProcess;
  /** Resolves with the next line the child prints (rejects if it exits first). */
  line(): Promise<string>;
  /** Resolves with everything it printed, once it exits, and its exit code. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export function foreign(cmd: string, args: string[]): Foreign {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let consumed = 0;
  const waiters: (() => void)[] = [];
  const poke = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout?.on("data", (b: Buffer) => {
    stdout += b.toString();
    poke();
  });
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => {
        poke();
        resolve({ code, stdout, stderr });
      });
    },
  );
  let exited = false;
  child.on("close", () => {
    exited = true;
  });
  const line = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const nl = stdout.indexOf("\n", consumed);
        if (nl >= 0) {
          const l = stdout.slice(consumed, nl);
          consumed = nl + 1;
          resolve(l);
        } else if (exited) {
          reject(new Error(`${cmd} exited before printing a line; stderr: ${stderr}`));
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { child, line, done };
}

/** The active libuv resources whose type matches, by name (TCPSocketWrap, TCPServerWrap, ...). */
export function countResources(pattern: RegExp): number {
  return process.getActiveResourcesInfo().filter((t) => pattern.test(t)).length;
}

/**
 * Waits (a bounded number of event-loop turns, not a time) until `check()` is true;
 * returns whether it became true. Closing a socket takes a few turns of Node's loop.
 */
export async function settle(check: () => boolean, turns = 2000): Promise<boolean> {
  for (let i = 0; i < turns; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return check();
}
