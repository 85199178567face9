// Scale of the closure shape: CPU ns per task for 10,000 / 100,000 / 1,000,000 tasks (each spawned
// inline, yields once, joined), one fresh process per size; then 1,000,000 closure tasks parked
// on a 60 s sleep, and the RSS growth once all are parked.
//
//   npm run build && node --expose-gc bench/floor/scale.mjs [checkout]
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
  for (const n of [10_000, 100_000, 1_000_000]) console.log(once("spawn", n));
  console.log(once("sleep", 1_000_000));
} else {
  const c = await import(resolve(dir, "dist/index.js"));
  const n = Number(nArg);
  if (mode === "spawn") {
    // One warm-up at the size, then the measured round.
    for (const label of ["warm-up", "measured"]) {
      globalThis.gc();
      const t0 = process.cpuUsage();
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
      const cu = process.cpuUsage(t0);
      if (done !== n) throw new Error(`${done} of ${n}`);
      if (label === "measured")
        console.log(`spawn ${n}: ${(((cu.user + cu.system) * 1e3) / n).toFixed(0)} CPU ns/task`);
    }
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
