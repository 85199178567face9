// The worker benchmark: corio/worker against piscina and raw worker_threads (issue 8).
//
//   npm run build && node --import tsx bench/worker/run.ts [--rounds 5] [--quick] [--from-src]
//   npm run bench:worker                                  # the same, with the build
//
// Every measurement runs in its own fresh node process (measure.ts <case>); rounds interleave the
// cases (raw, piscina, corio, speedup, latency-worker, latency-loop, raw, ...) so the noise of this
// shared 2-core machine hits them alike. The table gives medians and minimums over rounds, and
// the ratios the targets are about:
//   - per-job overhead of runInWorker ≤ 1.2× piscina's (trivial job, one in flight);
//   - 2 CPU jobs of ~0.5 s on the pool ≥ 1.8× faster than in a row;
//   - p99 lateness of a 5 ms ticker < 10 ms while 50 MB are hashed in a worker (~260 ms on the loop).
// Results also go to bench/out/worker-<date>.json.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median, RESULT_TAG } from "../harness.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = dirname(HERE);
const ROOT = dirname(BENCH);

const CASES = [
  "overhead-raw",
  "overhead-piscina",
  "overhead-corio",
  "overhead-alternating",
  "speedup",
  "speedup-raw",
  "latency-worker",
  "latency-raw",
  "latency-loop",
  "latency-idle",
] as const;
type Case = (typeof CASES)[number];

interface Result {
  value: number;
  extra: Record<string, number>;
}

const { values } = parseArgs({
  options: {
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    "from-src": { type: "boolean", default: false },
    only: { type: "string", multiple: true },
  },
});
const rounds = Number(values.rounds ?? (values.quick ? 1 : 5));
const only = values.only?.flatMap((x) => x.split(",")) ?? [...CASES];
const cases = CASES.filter((c) => only.includes(c));

function measure(name: Case): Promise<Result | string> {
  const args = ["--import", import.meta.resolve("tsx"), join(HERE, "measure.ts"), name];
  if (values.quick) args.push("--quick");
  const env = { ...process.env };
  if (!values["from-src"]) env.TSX_TSCONFIG_PATH = join(BENCH, "tsconfig.dist.json");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      out += s;
    });
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(RESULT_TAG));
      if (line === undefined)
        resolve(`exit ${code}: ${out.trim().split("\n").slice(-5).join(" | ")}`);
      else resolve(JSON.parse(line.slice(RESULT_TAG.length)) as Result);
    });
  });
}

const results = new Map<Case, Result[]>(cases.map((c) => [c, []]));
const cpus = os.cpus();
const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus[0]?.model.trim() ?? "unknown",
  cores: cpus.length,
  loadAverage: os.loadavg(),
  rounds,
  quick: values.quick,
  corio: values["from-src"] ? "src" : "dist",
};
console.log(
  `corio worker bench  ${meta.date}  node ${meta.node}  ${meta.cpu}, ${meta.cores} cores`,
);
console.log(`load average at start: ${meta.loadAverage.map((x) => x.toFixed(1)).join(" ")}`);
for (let round = 1; round <= rounds; round++) {
  for (const c of cases) {
    const r = await measure(c);
    if (typeof r === "string") {
      console.log(`  round ${round} ${c}: FAILED ${r}`);
      continue;
    }
    (results.get(c) as Result[]).push(r);
    const extra = Object.entries(r.extra)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ");
    console.log(`  round ${round} ${c.padEnd(16)} ${r.value.toFixed(2).padStart(9)}  (${extra})`);
  }
}

const med = (c: Case, key?: string) => {
  const rs = results.get(c) ?? [];
  return median(rs.map((r) => (key === undefined ? r.value : (r.extra[key] as number))));
};
const min = (c: Case) => Math.min(...(results.get(c) ?? []).map((r) => r.value));
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2) : "—");

console.log(`\n${"=".repeat(90)}\nmedian (min) over ${rounds} rounds\n`);
if (cases.some((c) => c.startsWith("overhead"))) {
  const pw = med("overhead-piscina");
  const pc = med("overhead-piscina", "cpuUs");
  console.log(
    "per-job overhead, trivial job, one in flight   wall µs/job      CPU µs/job  vs piscina (wall / CPU)",
  );
  for (const c of ["overhead-raw", "overhead-piscina", "overhead-corio"] as const) {
    if (!cases.includes(c)) continue;
    const w = med(c);
    const cpu = med(c, "cpuUs");
    console.log(
      `  ${c.slice(9).padEnd(44)} ${f(w).padStart(6)} (${f(min(c))})  ${f(cpu).padStart(10)}  ${(w / pw).toFixed(2)}x / ${(cpu / pc).toFixed(2)}x`,
    );
  }
}
if (cases.includes("overhead-alternating")) {
  const c = "overhead-alternating";
  console.log(
    `  same process, alternating blocks: piscina ${f(med(c, "piscinaCpuUs"))} CPU µs/job ` +
      `(${f(med(c, "piscinaWallUs"))} wall), corio ${f(med(c, "corioCpuUs"))} CPU µs/job ` +
      `(${f(med(c, "corioWallUs"))} wall) -> corio/piscina CPU ${med(c).toFixed(2)}x (min ${min(c).toFixed(2)}x)`,
  );
}
for (const c of ["speedup", "speedup-raw"] as const) {
  if (!cases.includes(c)) continue;
  const max = Math.max(...(results.get(c) ?? []).map((r) => r.value));
  console.log(
    `\n2 CPU jobs ${c === "speedup" ? "on corio's default pool" : "on 2 raw worker_threads"}: ` +
      `in a row ${f(med(c, "inARowMs"))} ms, in parallel ${f(med(c, "warmMs"))} ms ` +
      `(first use, threads starting: ${f(med(c, "coldMs"))} ms) -> speed-up ${f(med(c))}x ` +
      `(min ${f(min(c))}x, max ${f(max)}x; cold ${f(med(c, "coldSpeedup"))}x)`,
  );
}
const LATENCY = {
  "latency-worker": "while hashing 50 MB in a corio pool thread (buffer transferred)",
  "latency-raw": "while hashing 50 MB in a raw worker_threads thread (transferred)",
  "latency-loop": "while hashing 50 MB on the loop, in one step",
  "latency-idle": "with nothing hashing (the machine's noise floor)",
} as const;
for (const c of ["latency-worker", "latency-raw", "latency-loop", "latency-idle"] as const) {
  if (!cases.includes(c)) continue;
  console.log(
    `\n5 ms ticker ${LATENCY[c]}: ` +
      `p99 lateness ${f(med(c))} ms (min ${f(min(c))}), p50 ${f(med(c, "p50"))} ms, max ${f(med(c, "max"))} ms, ` +
      `hash ${f(med(c, "hashMs"))} ms`,
  );
}

const outDir = join(BENCH, "out");
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `worker-${meta.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify({ meta, results: Object.fromEntries(results) }, null, 2)}\n`);
console.log(`\nresults: ${relative(process.cwd(), file)}`);
