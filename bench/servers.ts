// Shared by the server benchmarks (http/run.ts, tcp-echo/run.ts): their command line, a server in
// a fresh node process pinned to one core, its CPU time from /proc, the median, the results file.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);

/** The options both runners take, parsed; `impls` are checked against `known`. */
export function parseOptions<Impl extends string>(known: readonly Impl[]) {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "5" },
      duration: { type: "string", default: "5" },
      connections: { type: "string", default: "50" },
      // HTTP only: a fixed offered load in requests/s (0: as fast as the client can)
      rate: { type: "string", default: "0" },
      impl: { type: "string", multiple: true },
      "server-cpu": { type: "string", default: "0" },
      "client-cpu": { type: "string", default: "1" },
      "from-src": { type: "boolean", default: false },
    },
  });
  const impls = (values.impl?.flatMap((s) => s.split(",")) ?? [...known]) as Impl[];
  for (const impl of impls) if (!known.includes(impl)) throw new Error(`unknown impl ${impl}`);
  return {
    rounds: Number(values.rounds),
    duration: Number(values.duration),
    connections: Number(values.connections),
    rate: Number(values.rate),
    impls,
    serverCpu: values["server-cpu"] as string,
    clientCpu: values["client-cpu"] as string,
    fromSrc: values["from-src"] as boolean,
  };
}

const TICK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** The CPU time (user + system) process `pid` has used, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
}

/**
 * Starts `node --import tsx <script> <impl>` pinned to `cpu` and resolves once it prints
 * "listening <port>". Without `fromSrc`, "corio" resolves to the built dist/. taskset execs
 * node, so the child's pid is the server's.
 */
export function startServer(
  script: string,
  impl: string,
  cpu: string,
  fromSrc: boolean,
): Promise<{ child: ChildProcess; port: number }> {
  const env = { ...process.env };
  if (!fromSrc) env.TSX_TSCONFIG_PATH = join(BENCH, "tsconfig.dist.json");
  const child = spawn(
    "taskset",
    ["-c", cpu, process.execPath, "--import", import.meta.resolve("tsx"), script, impl],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) =>
      reject(new Error(`${impl} server exited (${code}) before listening`)),
    );
  });
}

/** Kills a server and waits until it is gone. */
export async function stopServer(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await new Promise((r) => child.once("close", r));
}

/** The median, ignoring NaN (a figure a run did not report). */
export function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const n = s.length;
  return n % 2
    ? (s[(n - 1) >> 1] as number)
    : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** Writes `bench/out/<name>-<date>.json` (with the date, node and CPU model added); returns its path. */
export function writeResults(name: string, data: Record<string, unknown>): string {
  mkdirSync(join(BENCH, "out"), { recursive: true });
  const file = join(BENCH, "out", `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    ...data,
  };
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}
