// The HTTP benchmark: hello-world under wrk, corio's serve() beside plain node:http.
//
//   npm run build && node --import tsx bench/http/run.ts [--rounds 5] [--duration 5] [--connections 50]
//   node --import tsx bench/http/run.ts --from-src      # corio from src/ (tsx + tsconfig paths), no build
//
// Each round starts every implementation in its own fresh node process pinned to one core
// (`taskset -c 0`), waits for it to listen, warms it up with a 1 s wrk run, then measures it with
// `taskset -c 1 wrk -t1 -c<connections> -d<duration>s` on the other core, and stops it. Rounds
// interleave the implementations (plain, corio, corio-lazy, plain, ...) so machine noise hits
// them alike; the table gives the median and the best over rounds and the median's ratio to
// plain. Besides requests per second it reports the server's CPU time per request (from
// /proc/<pid>/stat over the measured run), a second view of the same cost. A run with non-2xx
// answers or socket errors is reported as failed, not as a number. Results also go to
// bench/out/http-<date>.json.

import { execFileSync } from "node:child_process";
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
const IMPLS = ["plain", "corio", "corio-lazy"] as const;
type Impl = (typeof IMPLS)[number];

const options = parseOptions(IMPLS);
const { rounds, duration, connections, impls } = options;

interface Sample {
  rps: number;
  cpuUsPerReq: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** wrk's report, kept for a failed run. */
  output?: string;
}

function wrk(port: number, seconds: number): string {
  return execFileSync(
    "taskset",
    [
      "-c",
      options.clientCpu,
      "wrk",
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      "--timeout",
      "10s", // a stall of this shared machine is not a server error
      `http://127.0.0.1:${port}/`,
    ],
    { encoding: "utf8" },
  );
}

/** A wrk duration ("812.00us", "7.45ms", "1.20s", "1.01m") in milliseconds. */
function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Number(m[1]) * scale;
}

async function measure(impl: Impl): Promise<Sample> {
  const { child, port } = await startServer(
    join(HERE, "server.ts"),
    impl,
    options.serverCpu,
    options.fromSrc,
  );
  try {
    wrk(port, 1); // warm-up: JIT, connection pool
    // taskset execs node, so the child's pid is the server's.
    const pid = child.pid as number;
    const cpu0 = cpuSeconds(pid);
    const out = wrk(port, duration);
    const cpu = cpuSeconds(pid) - cpu0;
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
      cpuUsPerReq: (cpu * 1e6) / requests,
      p50Ms: ms(/50%\s+(\S+)/.exec(out)?.[1] ?? ""),
      p99Ms: ms(/99%\s+(\S+)/.exec(out)?.[1] ?? ""),
      requests,
      non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
      socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
      output: out,
    };
  } finally {
    await stopServer(child);
  }
}

const results: Record<string, Sample[]> = Object.fromEntries(impls.map((i) => [i, []]));
for (let r = 0; r < rounds; r++) {
  for (const impl of impls) {
    const s = await measure(impl);
    if (s.non2xx > 0 || s.socketErrors > 0) {
      throw new Error(
        `${impl}: ${s.non2xx} non-2xx answers, ${s.socketErrors} socket errors\n${s.output}`,
      );
    }
    delete s.output;
    (results[impl] as Sample[]).push(s);
    console.error(
      `round ${r + 1}/${rounds} ${impl.padEnd(10)} ${s.rps.toFixed(0).padStart(7)} req/s  ${s.cpuUsPerReq.toFixed(1).padStart(6)} µs CPU/req`,
    );
  }
}

const base = median((results.plain ?? []).map((s) => s.rps));
const baseCpu = median((results.plain ?? []).map((s) => s.cpuUsPerReq));
console.log(
  `\nHTTP hello-world, wrk -t1 -c${connections} -d${duration}s on cpu ${options.clientCpu}, server on cpu ${options.serverCpu}, ${rounds} rounds, node ${process.version}\n`,
);
console.log(
  "impl        median req/s   best req/s   vs plain   median µs CPU/req   vs plain   p50 ms   p99 ms",
);
for (const impl of impls) {
  const xs = results[impl] as Sample[];
  const rps = median(xs.map((s) => s.rps));
  const cpu = median(xs.map((s) => s.cpuUsPerReq));
  console.log(
    [
      impl.padEnd(10),
      rps.toFixed(0).padStart(14),
      Math.max(...xs.map((s) => s.rps))
        .toFixed(0)
        .padStart(12),
      base ? `${(rps / base).toFixed(2)}×`.padStart(10) : "",
      cpu.toFixed(1).padStart(19),
      baseCpu ? `${(baseCpu / cpu).toFixed(2)}×`.padStart(10) : "",
      median(xs.map((s) => s.p50Ms))
        .toFixed(2)
        .padStart(8),
      median(xs.map((s) => s.p99Ms))
        .toFixed(2)
        .padStart(8),
    ].join(" "),
  );
}

const file = writeResults("http", {
  options: { rounds, duration, connections, fromSrc: options.fromSrc },
  results,
});
console.log(`\nwritten ${file}`);
