// The benchmark runner: `npm run bench -- [options]` (see --help).
//
// For each workload it runs every implementation in its own child process (a fresh heap, started
// with --expose-gc), round-robin for several rounds — native, corio, effection, effect, native,
// corio, ... — so that a noisy neighbour or thermal drift hits all of them alike. Each child
// reports one value (see harness.ts for the in-process protocol); the table shows the median and
// the minimum over rounds and the median's ratio to native's. Results also go to bench/out/ as JSON.
// An implementation that cannot load (corio before `npm run build`) is skipped with the reason.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  IMPL_NAMES,
  type ImplName,
  type Measurement,
  median,
  RESULT_TAG,
  type WorkerReport,
  type Workload,
} from "./harness.js";
import { WORKLOADS } from "./workloads/index.js";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);

const HELP = `usage: npm run bench -- [options]

  --only <workload>   run only these workloads (repeat or comma-separate): ${WORKLOADS.map((w) => w.name).join(", ")}
  --impl <name>       run only these implementations (repeat or comma-separate): ${IMPL_NAMES.join(", ")}
  --rounds <n>        processes per implementation and workload (default 5; 2 with --quick)
  --quick             sizes / 10 and one timed iteration: a smoke test, not a measurement
  --from-src          load corio from src/ (through tsconfig paths) instead of the built dist/
  --node <path>       node binary for the workers (default: this one), e.g. a Node 24 binary
  --timeout <s>       kill a worker after this many seconds (default 900)
  -h, --help          this text`;

interface Options {
  workloads: Workload[];
  impls: ImplName[];
  rounds: number;
  quick: boolean;
  fromSrc: boolean;
  node: string;
  timeoutMs: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      only: { type: "string", multiple: true },
      impl: { type: "string", multiple: true },
      rounds: { type: "string" },
      quick: { type: "boolean", default: false },
      "from-src": { type: "boolean", default: false },
      node: { type: "string" },
      timeout: { type: "string", default: "900" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const list = (xs: string[] | undefined) => xs?.flatMap((x) => x.split(",")).filter(Boolean);
  const only = list(values.only);
  const workloads = only ? only.map(findWorkload) : [...WORKLOADS];
  const impls = (list(values.impl) ?? [...IMPL_NAMES]).map((name) => {
    if (!IMPL_NAMES.includes(name as ImplName)) usage(`unknown implementation "${name}"`);
    return name as ImplName;
  });
  const rounds = Number(values.rounds ?? (values.quick ? 2 : 5));
  if (!Number.isInteger(rounds) || rounds < 1) usage("--rounds must be a positive integer");
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) usage("--timeout must be a positive number of seconds");
  return {
    workloads,
    impls,
    rounds,
    quick: values.quick,
    fromSrc: values["from-src"],
    node: values.node ?? process.execPath,
    timeoutMs: timeout * 1000,
  };
}

function findWorkload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (w === undefined) usage(`unknown workload "${name}"`);
  return w;
}

function usage(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(64);
}

// --- child processes -------------------------------------------------------------------------

interface ChildResult {
  report: WorkerReport;
  wallMs: number;
}

/**
 * Runs `worker.ts <workload> <impl>` in a fresh node. corio resolves to dist/ through the package's
 * own exports map: the workers get a tsconfig without the `paths` that point "corio" at src/
 * (tsx applies tsconfig paths), unless --from-src.
 */
function runWorker(opts: Options, workload: string, impl: ImplName): Promise<ChildResult> {
  const args = [
    "--expose-gc",
    "--import",
    import.meta.resolve("tsx"),
    join(BENCH_DIR, "worker.ts"),
    workload,
    impl,
    ...(opts.quick ? ["--quick"] : []),
  ];
  const env = { ...process.env };
  if (!opts.fromSrc) env.TSX_TSCONFIG_PATH = join(BENCH_DIR, "tsconfig.dist.json");
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(opts.node, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_TAG));
      if (line !== undefined) {
        resolve({ report: JSON.parse(line.slice(RESULT_TAG.length)) as WorkerReport, wallMs });
        return;
      }
      const why = signal === "SIGKILL" ? `killed after ${opts.timeoutMs / 1000} s` : `exit ${code}`;
      const tail = `${stderr}${stdout}`.trim().split("\n").slice(-15).join("\n");
      resolve({ report: { status: "error", reason: `${why}\n${tail}` }, wallMs });
    });
  });
}

// --- aggregation and output ------------------------------------------------------------------

interface ImplResult {
  status: "ok" | "skipped" | "error";
  reason?: string;
  /** One primary value per round. */
  values: number[];
  median?: number;
  min?: number;
  /** Median over rounds of each extra metric. */
  extra: Record<string, number>;
  rounds: Measurement[];
}

function summarise(rounds: Measurement[]): Pick<ImplResult, "values" | "median" | "min" | "extra"> {
  const values = rounds.map((m) => m.value);
  const keys = [...new Set(rounds.flatMap((m) => Object.keys(m.extra)))];
  const extra = Object.fromEntries(
    keys.map((k) => [k, median(rounds.map((m) => m.extra[k]).filter((x) => x !== undefined))]),
  );
  return { values, median: median(values), min: Math.min(...values), extra };
}

function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "—";
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return x.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function printTable(w: Workload, results: Map<ImplName, ImplResult>): void {
  const native = results.get("native");
  const base = native?.status === "ok" ? native.median : undefined;
  const header = ["impl", `median ${w.unit}`, "min", "vs native", ...w.extras.map((e) => e.label)];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [impl, r] of results) {
    if (r.status !== "ok") {
      rows.push([impl, "—", "—", "—", ...w.extras.map(() => "—")]);
      notes.push(`  ${impl} ${r.status}: ${(r.reason ?? "").split("\n")[0]}`);
      continue;
    }
    const ratio = base !== undefined && r.median !== undefined ? r.median / base : undefined;
    rows.push([
      impl,
      fmt(r.median),
      fmt(r.min),
      ratio === undefined ? "—" : `${ratio.toFixed(2)}x`,
      ...w.extras.map((e) => fmt(r.extra[e.key])),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\n${w.name}: ${w.title}`);
  console.log(line(header));
  console.log(widths.map((n) => "-".repeat(n)).join("  "));
  for (const row of rows) console.log(line(row));
  for (const note of notes) console.log(note);
}

async function nodeVersionOf(node: string): Promise<{ node: string; v8: string }> {
  if (node === process.execPath) return { node: process.version, v8: process.versions.v8 };
  return new Promise((resolve, reject) => {
    const child = spawn(node, ["-p", "JSON.stringify([process.version, process.versions.v8])"]);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
    });
    child.on("error", reject);
    child.on("close", () => {
      const [v, v8] = JSON.parse(out) as [string, string];
      resolve({ node: v, v8 });
    });
  });
}

// --- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseOptions();
  const versions = await nodeVersionOf(opts.node);
  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString(),
    node: versions.node,
    v8: versions.v8,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    rounds: opts.rounds,
    quick: opts.quick,
    corio: opts.fromSrc ? "src" : "dist",
  };
  console.log(`corio bench  ${meta.date}`);
  console.log(`node ${meta.node} (V8 ${meta.v8})  ${meta.platform}`);
  console.log(`${meta.cpu}, ${meta.cores} cores, ${meta.memoryGb} GB`);
  console.log(
    `${opts.rounds} rounds, interleaved; one process per measurement; corio from ${meta.corio}/` +
      (opts.quick ? "; QUICK: sizes / 10, not a measurement" : ""),
  );

  const all: Record<string, Record<string, ImplResult>> = {};
  for (const w of opts.workloads) {
    console.log(`\n== ${w.name} (${w.unit})`);
    const state = new Map<ImplName, ImplResult>(
      opts.impls.map((impl) => [impl, { status: "ok", values: [], extra: {}, rounds: [] }]),
    );
    for (let round = 1; round <= opts.rounds; round++) {
      for (const impl of opts.impls) {
        const r = state.get(impl);
        if (r === undefined || r.status !== "ok") continue;
        const { report, wallMs } = await runWorker(opts, w.name, impl);
        const where = `  round ${round}/${opts.rounds}  ${impl.padEnd(9)}`;
        if (report.status === "ok") {
          r.rounds.push(report.measurement);
          const extras = w.extras
            .map((e) => `${e.label} ${fmt(report.measurement.extra[e.key])}`)
            .join(", ");
          console.log(
            `${where} ${fmt(report.measurement.value).padStart(10)} ${w.unit}` +
              `${extras ? `  (${extras})` : ""}  [${(wallMs / 1000).toFixed(1)} s]`,
          );
        } else {
          // A load failure or an error will not go away next round: stop running this one.
          r.status = report.status;
          r.reason = report.reason;
          console.log(`${where} ${report.status}: ${report.reason.split("\n")[0]}`);
          if (report.status === "error") console.log(report.reason.replace(/^/gm, "      "));
          if (impl === "corio" && /Cannot find (module|package)/.test(report.reason)) {
            console.log("      (build corio first with `npm run build`, or pass --from-src)");
          }
        }
      }
    }
    for (const r of state.values()) {
      if (r.status === "ok" && r.rounds.length > 0) Object.assign(r, summarise(r.rounds));
    }
    all[w.name] = Object.fromEntries(state);
  }

  console.log(`\n${"=".repeat(100)}`);
  console.log(
    `corio bench ${meta.date} — node ${meta.node}, ${meta.cpu} — median and min over ${opts.rounds} rounds`,
  );
  for (const w of opts.workloads) {
    printTable(w, new Map(Object.entries(all[w.name]) as [ImplName, ImplResult][]));
  }

  const outDir = join(BENCH_DIR, "out");
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${meta.date.replace(/[:.]/g, "-")}.json`);
  const workloads = Object.fromEntries(
    opts.workloads.map((w) => [
      w.name,
      { title: w.title, unit: w.unit, extras: w.extras, results: all[w.name] },
    ]),
  );
  writeFileSync(file, `${JSON.stringify({ meta, workloads }, null, 2)}\n`);
  console.log(`\nresults: ${relative(process.cwd(), file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
