// HTTP on every core: `corio run --workers 2` against one copy (`corio run`), with the load from a
// separate process (autocannon, an npm package, so it runs on a fresh machine). Workloads: hello
// (bench/http/hello.ts: "Hello, world!", the runtime's own cost per request); plain, the baseline
// (bench/http/plain-cluster.ts: node:http alone and in a node:cluster of the same size, no corio);
// primes (examples/cpu-server.ts: /primes?below=1000000, a few ms of CPU per request, where the
// second core should count).
//
//   npm run build && node --import tsx bench/http/cluster.ts [--rounds 5] [--duration 5] [--connections 50] [--workers 2] [--workload hello,plain,primes]
//
// Each round starts each setup in a fresh process tree (the built CLI, dist/cli/main.js, with
// "corio" resolving to dist/ as a user gets it), waits until every copy listens, warms it up with a
// 1 s run, measures with `autocannon -c<connections> -d<duration>` in its own node process, and
// stops it with SIGTERM. Rounds interleave the setups (one, cluster, one, ...). Nothing is pinned:
// the copies need both cores, and on a 2-core machine the load generator competes with them for
// the same cores — the ratio is a floor for what a machine with spare cores would show.
// Results also go to bench/out/http-cluster-<date>.json.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { median, writeResults } from "../servers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(dirname(HERE));
const CLI = join(ROOT, "dist/cli/main.js");
const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon/autocannon.js");

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    workers: { type: "string", default: "2" },
    workload: { type: "string", default: "hello,plain,primes" },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const connections = Number(values.connections);
const workers = Number(values.workers);
const SETUPS = { one: [] as string[], cluster: ["--workers", String(workers)] };
type Setup = keyof typeof SETUPS;
const WORKLOADS = {
  hello: { program: join(HERE, "hello.ts"), path: "/" },
  primes: { program: join(ROOT, "examples/cpu-server.ts"), path: "/primes?below=1000000" },
  // The baseline: plain node:http, one process or a node:cluster of the same size, no corio.
  plain: { program: join(HERE, "plain-cluster.ts"), path: "/" },
};
type Workload = keyof typeof WORKLOADS;
const workloads = (values.workload as string).split(",") as Workload[];
for (const w of workloads) if (!(w in WORKLOADS)) throw new Error(`unknown workload ${w}`);

interface Sample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** Starts `corio run [flags] PROGRAM -- 0` and resolves once `copies` copies listen. */
function start(setup: Setup, workload: Workload): Promise<{ child: ChildProcess; port: number }> {
  const copies = setup === "one" ? 1 : workers;
  const child = spawn(
    process.execPath,
    workload === "plain"
      ? ["--import", "tsx", WORKLOADS.plain.program, String(copies), "0"]
      : [CLI, "run", ...SETUPS[setup], WORKLOADS[workload].program, "--", "0"],
    {
      cwd: ROOT,
      // tsx without the tsconfig `paths` that point "corio" at src/: the program gets dist/.
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, "bench/tsconfig.dist.json") },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      // hello.ts prints "listening PORT", cpu-server.ts "copy PID serving http://HOST:PORT/".
      const ports = [...out.matchAll(/(?:listening |serving http:\/\/[^:]+:)(\d+)/g)].map((m) =>
        Number(m[1]),
      );
      if (ports.length === copies) resolve({ child, port: ports[0] as number });
    });
    child.on("exit", (code) => reject(new Error(`${setup} exited (${code}) before listening`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const closed = new Promise((r) => child.once("close", r));
  child.kill("SIGTERM"); // the primary forwards it to every copy
  await closed;
}

const run = promisify(execFile);

/** One autocannon run in its own node process; its JSON report. */
async function load(port: number, path: string, seconds: number): Promise<Sample> {
  const { stdout } = await run(
    process.execPath,
    [
      AUTOCANNON,
      "-j",
      "-c",
      String(connections),
      "-d",
      String(seconds),
      `http://127.0.0.1:${port}${path}`,
    ],
    { maxBuffer: 16 << 20 },
  );
  const r = JSON.parse(stdout);
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

async function measure(setup: Setup, workload: Workload): Promise<Sample> {
  const { child, port } = await start(setup, workload);
  const { path } = WORKLOADS[workload];
  try {
    await load(port, path, 1); // warm-up: JIT, connections
    return await load(port, path, duration);
  } finally {
    await stop(child);
  }
}

const results = Object.fromEntries(
  workloads.map((w) => [w, { one: [] as Sample[], cluster: [] as Sample[] }]),
) as Record<Workload, Record<Setup, Sample[]>>;
for (let r = 0; r < rounds; r++) {
  for (const workload of workloads) {
    for (const setup of Object.keys(SETUPS) as Setup[]) {
      const s = await measure(setup, workload);
      if (s.non2xx > 0 || s.errors > 0)
        throw new Error(
          `${workload} ${setup}: ${s.non2xx} non-2xx answers, ${s.errors} errors or timeouts`,
        );
      results[workload][setup].push(s);
      console.error(
        `round ${r + 1}/${rounds} ${workload.padEnd(7)} ${setup.padEnd(8)} ${s.rps.toFixed(0).padStart(7)} req/s  p99 ${s.p99Ms} ms`,
      );
    }
  }
}

console.log(
  `\nHTTP on every core, autocannon -c${connections} -d${duration}s (its own process), ${rounds} rounds, node ${process.version}\n`,
);
console.log(
  "workload  setup                      median req/s   best req/s   vs one   p50 ms   p99 ms",
);
for (const workload of workloads) {
  const rps = (setup: Setup) => median(results[workload][setup].map((s) => s.rps));
  for (const setup of Object.keys(SETUPS) as Setup[]) {
    const xs = results[workload][setup];
    const what =
      workload === "plain"
        ? ["node:http", "node:cluster of"]
        : ["corio run", "corio run --workers"];
    const label = setup === "one" ? `${what[0]} (one copy)` : `${what[1]} ${workers}`;
    console.log(
      [
        workload.padEnd(9),
        label.padEnd(24),
        rps(setup).toFixed(0).padStart(14),
        Math.max(...xs.map((s) => s.rps))
          .toFixed(0)
          .padStart(12),
        `${(rps(setup) / rps("one")).toFixed(2)}×`.padStart(8),
        String(median(xs.map((s) => s.p50Ms))).padStart(8),
        String(median(xs.map((s) => s.p99Ms))).padStart(8),
      ].join(" "),
    );
  }
}
const file = writeResults("http-cluster", { rounds, duration, connections, workers, results });
console.log(`\nresults: ${file}`);
