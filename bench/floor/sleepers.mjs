// 1,000,000 sleeping tasks: what a server with a million idle connections pays in memory.
// Each task is started from a closure written inline (the shape users write) that counts itself
// parked and sleeps 60 s; once all are parked the process is measured after a full GC, against a
// measurement taken (also after a full GC) just before spawning: RSS growth, heap bytes per task,
// and the process's peak RSS. corio and native async/await run in the same invocation, each in
// its own fresh process, alternating (corio, native, native, corio, ...), medians reported.
// `--shape shared` starts one shared generator function / async function instead.
//
//   npm run build && node bench/floor/sleepers.mjs [checkout] [--n 1000000] [--procs 3] [--shape closure]
//
// Native's task is a pending async call awaiting `new Promise(r => setTimeout(r, 60_000))`; it
// cannot be cancelled, so its process exits with the timers pending (unref'd).
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const PARK_MS = 60_000;
const MB = 2 ** 20;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: "string", default: "1000000" },
    procs: { type: "string", default: "3" },
    shape: { type: "string", default: "closure" },
    child: { type: "string" },
  },
});
const dir = positionals[0] ?? ".";
const n = Number(values.n);
const closure = values.shape === "closure";
if (!closure && values.shape !== "shared") throw new Error("--shape closure|shared");

function mark() {
  globalThis.gc();
  globalThis.gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

async function corio() {
  const c = await import(resolve(dir, "dist/index.js"));
  let before;
  let after;
  await c.run(function* () {
    let parked = 0;
    const body = function* () {
      parked++;
      yield* c.sleep(PARK_MS);
    };
    before = mark();
    const tasks = [];
    if (closure) {
      for (let i = 0; i < n; i++)
        tasks.push(
          c.spawn(function* () {
            parked++;
            yield* c.sleep(PARK_MS);
          }),
        );
    } else {
      for (let i = 0; i < n; i++) tasks.push(c.spawn(body));
    }
    while (parked < n) yield* c.sleep(1);
    after = mark();
    for (const t of tasks) t.cancel();
  });
  return [before, after];
}

async function native() {
  let parked = 0;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());
  const body = async () => {
    parked++;
    await sleep(PARK_MS);
  };
  const before = mark();
  const tasks = [];
  if (closure) {
    for (let i = 0; i < n; i++)
      tasks.push(
        (async () => {
          parked++;
          await sleep(PARK_MS);
        })(),
      );
  } else {
    for (let i = 0; i < n; i++) tasks.push(body());
  }
  while (parked < n) await new Promise((r) => setTimeout(r, 1));
  const after = mark();
  if (tasks.length !== n) throw new Error("lost tasks");
  return [before, after];
}

if (values.child !== undefined) {
  const [before, after] = await (values.child === "corio" ? corio() : native());
  const out = {
    rssMb: (after.rss - before.rss) / MB,
    heapPerTask: (after.heap - before.heap) / n,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
  };
  console.log(JSON.stringify(out));
  process.exit(0);
} else {
  const self = fileURLToPath(import.meta.url);
  const procs = Number(values.procs);
  const res = { corio: [], native: [] };
  for (let p = 0; p < procs; p++) {
    for (const impl of p % 2 === 0 ? ["corio", "native"] : ["native", "corio"]) {
      const args = ["--expose-gc", self, dir, "--child", impl, "--n", String(n)];
      args.push("--shape", values.shape);
      const line = execFileSync(process.execPath, args, { encoding: "utf8" }).trim();
      res[impl].push(JSON.parse(line.split("\n").at(-1)));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `${n.toLocaleString("en")} sleeping tasks, ${values.shape} shape, ${procs} processes each; median (all runs)`,
  );
  console.log(
    `${"impl".padEnd(8)} ${"RSS growth MB".padStart(28)} ${"heap B/task".padStart(28)} ${"peak RSS MB".padStart(28)}`,
  );
  for (const impl of ["native", "corio"]) {
    const col = (k, d) => {
      const xs = res[impl].map((r) => r[k]);
      return `${median(xs).toFixed(d)} (${xs.map((x) => x.toFixed(d)).join(", ")})`.padStart(28);
    };
    console.log(
      `${impl.padEnd(8)} ${col("rssMb", 0)} ${col("heapPerTask", 0)} ${col("peakRssMb", 0)}`,
    );
  }
}
