// The HTTP benchmark: hello-world under autocannon, corio's serve() beside plain node:http, over
// HTTP and HTTPS, with serve's default limits on (and plain node:http given the same settings).
//
//   npm run build && node --import tsx bench/http/run.ts [--rounds 5] [--duration 5] [--connections 50]
//   node --import tsx bench/http/run.ts --impl plain,corio-lazy   # a subset
//   node --import tsx bench/http/run.ts --rate 1500   # a fixed offered load: compare CPU µs/request
//   node --import tsx bench/http/run.ts --from-src      # corio from src/ (tsx + tsconfig paths), no build
//
// Each round starts every implementation in its own fresh node process pinned to one core
// (`taskset -c 0`), waits for it to listen, warms it up with a 1 s run, then measures it with
// autocannon (an npm devDependency, so this runs on a fresh machine; `taskset -c 1`) on the other
// core, and stops it. Rounds interleave the implementations (plain, corio, corio-lazy, ...) so
// machine noise hits them alike; the table gives the median and the best over rounds and the
// median's ratio to its baseline (plain for HTTP, plain-https for HTTPS). Besides requests per
// second it reports the server's CPU time per request (from /proc/<pid>/stat over the measured
// run), a second view of the same cost that does not depend on the load generator keeping up.
// A run with non-2xx answers or errors is reported as failed, not as a number. The HTTPS
// servers use a self-signed certificate made at run time. Results also go to
// bench/out/http-<date>.json.
//
// On this 2-core machine one core of autocannon cannot saturate a server on the other (least of
// all over TLS, where the client decrypts too), so req/s partly measures the client and the
// latency of each answer. `--rate N` offers the same fixed load to every server instead; then
// CPU µs per request is the comparison that counts.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import selfsigned from "selfsigned";
import {
  cpuSeconds,
  median,
  parseOptions,
  startServer,
  stopServer,
  writeResults,
} from "../servers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const IMPLS = [
  "plain",
  "corio",
  "corio-lazy",
  "corio-before",
  "plain-https",
  "corio-https",
] as const;
type Impl = (typeof IMPLS)[number];
const baseline = (impl: Impl): Impl => (impl.endsWith("https") ? "plain-https" : "plain");

const options = parseOptions(IMPLS);
const { rounds, duration, connections, rate, impls } = options;
const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon/autocannon.js");

// A self-signed certificate for the HTTPS servers, made now (never a committed key).
const tlsDir = mkdtempSync(join(tmpdir(), "corio-bench-tls-"));
process.on("exit", () => rmSync(tlsDir, { recursive: true, force: true }));
{
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
  });
  writeFileSync(join(tlsDir, "key.pem"), pems.private);
  writeFileSync(join(tlsDir, "cert.pem"), pems.cert);
  process.env.BENCH_TLS_KEY = join(tlsDir, "key.pem");
  process.env.BENCH_TLS_CERT = join(tlsDir, "cert.pem");
}

interface Sample {
  rps: number;
  cpuUsPerReq: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

function load(url: string, seconds: number): AutocannonResult {
  const out = execFileSync(
    "taskset",
    [
      "-c",
      options.clientCpu,
      process.execPath,
      AUTOCANNON,
      "-c",
      String(connections),
      "-d",
      String(seconds),
      "-t",
      "10", // a stall of this shared machine is not a server error
      ...(rate > 0 ? ["-R", String(rate)] : []),
      "-j",
      url,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return JSON.parse(out) as AutocannonResult;
}

async function measure(impl: Impl): Promise<Sample> {
  const { child, port } = await startServer(
    join(HERE, "server.ts"),
    impl,
    options.serverCpu,
    options.fromSrc,
  );
  try {
    const url = `${impl.endsWith("https") ? "https" : "http"}://127.0.0.1:${port}/`;
    load(url, 1); // warm-up: JIT, connections
    // taskset execs node, so the child's pid is the server's.
    const pid = child.pid as number;
    const cpu0 = cpuSeconds(pid);
    const r = load(url, duration);
    const cpu = cpuSeconds(pid) - cpu0;
    return {
      rps: r.requests.average,
      cpuUsPerReq: (cpu * 1e6) / r.requests.total,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      requests: r.requests.total,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
    };
  } finally {
    await stopServer(child);
  }
}

const results: Record<string, Sample[]> = Object.fromEntries(impls.map((i) => [i, []]));
for (let r = 0; r < rounds; r++) {
  for (const impl of impls) {
    const s = await measure(impl);
    if (s.non2xx > 0 || s.errors > 0) {
      throw new Error(`${impl}: ${s.non2xx} non-2xx answers, ${s.errors} errors/timeouts`);
    }
    (results[impl] as Sample[]).push(s);
    console.error(
      `round ${r + 1}/${rounds} ${impl.padEnd(14)} ${s.rps.toFixed(0).padStart(7)} req/s  ${s.cpuUsPerReq.toFixed(1).padStart(6)} µs CPU/req`,
    );
  }
}

const medianOf = (impl: Impl, key: "rps" | "cpuUsPerReq"): number =>
  median((results[impl] ?? []).map((s) => s[key]));
console.log(
  `\nHTTP hello-world, autocannon -c${connections} -d${duration}${rate > 0 ? ` -R${rate}` : ""} on cpu ${options.clientCpu}, server on cpu ${options.serverCpu}, ${rounds} rounds, node ${process.version}\n`,
);
console.log(
  "impl            median req/s   best req/s   vs base   median µs CPU/req   vs base   p50 ms   p99 ms",
);
for (const impl of impls) {
  const xs = results[impl] as Sample[];
  const base = medianOf(baseline(impl), "rps");
  const baseCpu = medianOf(baseline(impl), "cpuUsPerReq");
  const rps = median(xs.map((s) => s.rps));
  const cpu = median(xs.map((s) => s.cpuUsPerReq));
  console.log(
    [
      impl.padEnd(14),
      rps.toFixed(0).padStart(14),
      Math.max(...xs.map((s) => s.rps))
        .toFixed(0)
        .padStart(12),
      base ? `${(rps / base).toFixed(2)}×`.padStart(9) : "",
      cpu.toFixed(1).padStart(19),
      baseCpu ? `${(baseCpu / cpu).toFixed(2)}×`.padStart(9) : "",
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
  options: { rounds, duration, connections, rate, fromSrc: options.fromSrc },
  results,
});
console.log(`\nwritten ${file}`);
