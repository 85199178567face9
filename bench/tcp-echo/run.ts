// The TCP echo benchmark: round trips per second, corio beside a plain node:net callback server
// and a native async/await server.
//
//   npm run build && node --import tsx bench/tcp-echo/run.ts [--rounds 5] [--duration 5] [--connections 50]
//   node --import tsx bench/tcp-echo/run.ts --from-src      # corio from src/, no build
//
// The load: `load.c` (compiled here with `cc -O2` into bench/out/), one epoll thread pinned to the
// client core with taskset: 50 connections, each sends 64 bytes, waits for all 64 to come back,
// and repeats. In C so that the load generator is never the bottleneck; the exact command is
// printed. Each round starts every implementation in a fresh node process pinned to the server
// core (`taskset -c 0`), waits for it to listen, runs a 1 s warm-up load, then measures. Rounds
// interleave the implementations (plain, native, corio, plain, ...) so machine noise hits them
// alike; the table gives the median and best over rounds and the median's ratio to plain, and the
// server's CPU time per round trip (from /proc/<pid>/stat), which a busy neighbour disturbs less
// than throughput. Results also go to bench/out/tcp-echo-<date>.json.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = dirname(HERE);
const ROOT = dirname(BENCH);
const IMPLS = ["plain", "native", "corio"] as const;
type Impl = (typeof IMPLS)[number];

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    impl: { type: "string", multiple: true },
    "server-cpu": { type: "string", default: "0" },
    "client-cpu": { type: "string", default: "1" },
    "from-src": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const connections = Number(values.connections);
const impls = (values.impl?.flatMap((s) => s.split(",")) ?? [...IMPLS]) as Impl[];
for (const impl of impls) if (!IMPLS.includes(impl)) throw new Error(`unknown impl ${impl}`);

interface Sample {
  rtps: number;
  cpuUsPerRt: number;
}

mkdirSync(join(BENCH, "out"), { recursive: true });
const LOAD = join(BENCH, "out", "tcp-echo-load");
execFileSync("cc", ["-O2", "-o", LOAD, join(HERE, "load.c")], { stdio: "inherit" });

const TICK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
}

function startServer(impl: Impl): Promise<{ child: ChildProcess; port: number }> {
  const env = { ...process.env };
  if (!values["from-src"]) env.TSX_TSCONFIG_PATH = join(BENCH, "tsconfig.dist.json");
  const child = spawn(
    "taskset",
    [
      "-c",
      values["server-cpu"] as string,
      process.execPath,
      "--import",
      import.meta.resolve("tsx"),
      join(HERE, "server.ts"),
      impl,
    ],
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

function loadArgs(port: number, seconds: number, warmup: number): string[] {
  return [
    "-c",
    values["client-cpu"] as string,
    LOAD,
    String(port),
    String(connections),
    String(seconds),
    String(warmup),
  ];
}

function load(port: number, seconds: number, warmup: number): number {
  const out = execFileSync("taskset", loadArgs(port, seconds, warmup), { encoding: "utf8" });
  const m = /round_trips_per_sec (\d+)/.exec(out);
  if (!m) throw new Error(`load generator said: ${out}`);
  return Number(m[1]);
}

async function measure(impl: Impl): Promise<Sample> {
  const { child, port } = await startServer(impl);
  try {
    load(port, 1, 0); // warm-up: JIT, connections
    // taskset execs node, so the child's pid is the server's.
    const pid = child.pid as number;
    const cpu0 = cpuSeconds(pid);
    const rtps = load(port, duration, 0);
    const cpu = cpuSeconds(pid) - cpu0;
    return { rtps, cpuUsPerRt: (cpu * 1e6) / (rtps * duration) };
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2
    ? (s[(n - 1) >> 1] as number)
    : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

console.error(`load: taskset ${loadArgs(0, duration, 0).join(" ").replace(" 0 ", " PORT ")}`);
const results: Record<string, Sample[]> = Object.fromEntries(impls.map((i) => [i, []]));
for (let r = 0; r < rounds; r++) {
  for (const impl of impls) {
    const s = await measure(impl);
    (results[impl] as Sample[]).push(s);
    console.error(
      `round ${r + 1}/${rounds} ${impl.padEnd(7)} ${s.rtps.toFixed(0).padStart(7)} round trips/s  ${s.cpuUsPerRt.toFixed(1).padStart(6)} µs CPU/round trip`,
    );
  }
}

const base = median((results.plain ?? []).map((s) => s.rtps));
const baseCpu = median((results.plain ?? []).map((s) => s.cpuUsPerRt));
console.log(
  `\nTCP echo, ${connections} connections × 64-byte round trips for ${duration}s, load on cpu ${values["client-cpu"]}, server on cpu ${values["server-cpu"]}, ${rounds} rounds, node ${process.version}\n`,
);
console.log("impl     median rt/s    best rt/s   vs plain   median µs CPU/rt   vs plain");
for (const impl of impls) {
  const xs = results[impl] as Sample[];
  const rtps = median(xs.map((s) => s.rtps));
  const cpu = median(xs.map((s) => s.cpuUsPerRt));
  console.log(
    [
      impl.padEnd(7),
      rtps.toFixed(0).padStart(12),
      Math.max(...xs.map((s) => s.rtps))
        .toFixed(0)
        .padStart(12),
      base ? `${(rtps / base).toFixed(2)}×`.padStart(10) : "",
      cpu.toFixed(2).padStart(18),
      baseCpu ? `${(baseCpu / cpu).toFixed(2)}×`.padStart(10) : "",
    ].join(" "),
  );
}

const file = join(BENCH, "out", `tcp-echo-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model,
      load: `taskset -c ${values["client-cpu"]} ${LOAD} PORT ${connections} ${duration} 0`,
      options: { rounds, duration, connections, fromSrc: values["from-src"] },
      results,
    },
    null,
    2,
  ),
);
console.log(`\nwritten ${file}`);
