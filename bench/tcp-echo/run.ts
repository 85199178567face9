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
//
// Task shapes (issue 10): `corio` is `listener.serve(handler)` as examples/echo-server.ts;
// `corio-closure` starts each connection's task with an inline generator (a closure per
// connection), `corio-shared` with `group.spawn(echo(conn))` and a module-level `function* echo`.
//
// A/B against another build: TCP_ECHO_BASE=<checkout> (built, with its own bench/tcp-echo/server.ts)
// adds the implementation `base`, that checkout's `corio` server, to the interleaved rounds.

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  cpuSeconds,
  median,
  parseOptions,
  startServer,
  stopServer,
  writeResults,
} from "../servers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = dirname(HERE);
const IMPLS = ["plain", "native", "corio", "corio-closure", "corio-shared"] as const;

const options = parseOptions(IMPLS);
const { rounds, duration, connections } = options;
const BASE = process.env.TCP_ECHO_BASE;
const impls: string[] = BASE ? [...options.impls, "base"] : options.impls;

interface Sample {
  rtps: number;
  cpuUsPerRt: number;
}

mkdirSync(join(BENCH, "out"), { recursive: true });
const LOAD = join(BENCH, "out", "tcp-echo-load");
execFileSync("cc", ["-O2", "-o", LOAD, join(HERE, "load.c")], { stdio: "inherit" });

function loadArgs(port: number, seconds: number, warmup: number): string[] {
  return [
    "-c",
    options.clientCpu,
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

async function measure(impl: string): Promise<Sample> {
  // `base`: the other checkout's server script; its "corio" resolves to that checkout's dist/.
  const { child, port } =
    impl === "base"
      ? await startServer(
          join(BASE as string, "bench/tcp-echo/server.ts"),
          "corio",
          options.serverCpu,
          false,
        )
      : await startServer(join(HERE, "server.ts"), impl, options.serverCpu, options.fromSrc);
  try {
    load(port, 1, 0); // warm-up: JIT, connections
    // taskset execs node, so the child's pid is the server's.
    const pid = child.pid as number;
    const cpu0 = cpuSeconds(pid);
    const rtps = load(port, duration, 0);
    const cpu = cpuSeconds(pid) - cpu0;
    return { rtps, cpuUsPerRt: (cpu * 1e6) / (rtps * duration) };
  } finally {
    await stopServer(child);
  }
}

console.error(`load: taskset ${loadArgs(0, duration, 0).join(" ").replace(" 0 ", " PORT ")}`);
const loadBefore = os.loadavg();
const results: Record<string, Sample[]> = Object.fromEntries(impls.map((i) => [i, []]));
for (let r = 0; r < rounds; r++) {
  for (const impl of impls) {
    const s = await measure(impl);
    (results[impl] as Sample[]).push(s);
    console.error(
      `round ${r + 1}/${rounds} ${impl.padEnd(14)} ${s.rtps.toFixed(0).padStart(7)} round trips/s  ${s.cpuUsPerRt.toFixed(1).padStart(6)} µs CPU/round trip`,
    );
  }
}

const base = median((results.plain ?? []).map((s) => s.rtps));
const baseCpu = median((results.plain ?? []).map((s) => s.cpuUsPerRt));
const loadAfter = os.loadavg();
const loadavg = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
console.log(
  `\nTCP echo, ${connections} connections × 64-byte round trips for ${duration}s, load on cpu ${options.clientCpu}, server on cpu ${options.serverCpu}, ${rounds} rounds, node ${process.version}`,
);
console.log(`load average before ${loadavg(loadBefore)}, after ${loadavg(loadAfter)}\n`);
console.log("impl            median rt/s    best rt/s   vs plain   median µs CPU/rt   vs plain");
for (const impl of impls) {
  const xs = results[impl] as Sample[];
  const rtps = median(xs.map((s) => s.rtps));
  const cpu = median(xs.map((s) => s.cpuUsPerRt));
  console.log(
    [
      impl.padEnd(14),
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

const file = writeResults("tcp-echo", {
  load: `taskset -c ${options.clientCpu} ${LOAD} PORT ${connections} ${duration} 0`,
  options: { rounds, duration, connections, fromSrc: options.fromSrc, base: BASE ?? null },
  loadavg: { before: loadBefore, after: loadAfter },
  results,
});
console.log(`\nwritten ${file}`);
