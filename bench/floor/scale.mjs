// Scale of the closure shape (issue 10: "per-task cost within 1.5x between 10,000, 100,000 and
// 1,000,000 tasks"): CPU ns per task for 10,000 / 100,000 / 1,000,000 tasks, each spawned inline
// (a closure per task), yielding once, all joined; one fresh process per size. Per-task cost, not
// JIT warm-up: each process first runs rounds at its size until it has spawned 1,000,000 tasks,
// then reports the median of 3 samples of at least 300,000 tasks each (warm), and the first round
// alone (cold). The last line gives the largest over the smallest warm figure against the 1.5x target.
// Then 1,000,000 closure tasks parked on a 60 s sleep, and the RSS growth once all are parked.
//
//   npm run build && node bench/floor/scale.mjs [checkout]
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [dir = ".", mode, nArg] = process.argv.slice(2);
if (mode === undefined) {
  const self = fileURLToPath(import.meta.url);
  const once = (m, n) =>
    execFileSync(process.execPath, ["--expose-gc", self, dir, m, String(n)], {
      encoding: "utf8",
    }).trim();
  const warm = [];
  for (const n of [10_000, 100_000, 1_000_000]) {
    const line = once("spawn", n);
    console.log(line);
    warm.push(Number(/median (\d+)/.exec(line)[1]));
  }
  const spread = Math.max(...warm) / Math.min(...warm);
  console.log(`largest / smallest warm per-task cost: ${spread.toFixed(2)}x (target <= 1.5x)`);
  console.log(once("sleep", 1_000_000));
} else {
  const c = await import(resolve(dir, "dist/index.js"));
  const n = Number(nArg);
  if (mode === "spawn") {
    const round = async () => {
      let done = 0;
      await c.run(function* () {
        const tasks = [];
        for (let i = 0; i < n; i++)
          tasks.push(
            c.spawn(function* () {
              yield* c.yieldNow();
              done++;
            }),
          );
        for (const t of tasks) yield* t;
      });
      if (done !== n) throw new Error(`${done} of ${n}`);
    };
    // CPU ns per task over `rounds` rounds (user + system: the GC's helper threads count).
    const sample = async (rounds) => {
      globalThis.gc();
      const t0 = process.cpuUsage();
      for (let r = 0; r < rounds; r++) await round();
      const cu = process.cpuUsage(t0);
      return ((cu.user + cu.system) * 1e3) / (n * rounds);
    };
    const cold = await sample(1);
    await sample(Math.max(1, Math.ceil(1_000_000 / n) - 1)); // warm-up: 1,000,000 tasks in all
    // Each sample spans at least 300,000 tasks, so that one GC more or less does not swing it.
    const perSample = Math.ceil(300_000 / n);
    const warm = [await sample(perSample), await sample(perSample), await sample(perSample)];
    warm.sort((a, b) => a - b);
    console.log(
      `spawn ${n}: median ${warm[1].toFixed(0)} CPU ns/task warm (${warm.map((x) => x.toFixed(0)).join(", ")}; ` +
        `${perSample} round(s) each), cold ${cold.toFixed(0)}`,
    );
  } else {
    globalThis.gc();
    const rss0 = process.memoryUsage().rss;
    let parked = 0;
    let rss = 0;
    await c.run(function* () {
      const tasks = [];
      for (let i = 0; i < n; i++)
        tasks.push(
          c.spawn(function* () {
            parked++;
            yield* c.sleep(60_000);
          }),
        );
      while (parked < n) yield* c.sleep(1);
      globalThis.gc();
      rss = process.memoryUsage().rss;
      for (const t of tasks) t.cancel();
    });
    console.log(`${n} sleeping closure tasks: RSS +${((rss - rss0) / 2 ** 20).toFixed(0)} MB`);
  }
}
