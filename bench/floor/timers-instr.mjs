// Instruction counts for timers under callgrind (repeatable where wall and CPU time are not):
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/floor/timers-instr.mjs <checkout> closure|shared [n] [virtual|real]
//
// One process, one round of n tasks (default 20,000), each sleeping a seeded-random 0–500 ms,
// all joined: bench/workloads/timers.ts in small. `virtual` (the default) runs it under runTest's
// virtual clock, so the run is the same every time (the clock jumps from deadline to deadline);
// `real` runs it on the real clock (then how often timers are checked depends on the machine).
// Compare the "Collected" totals of two builds, minus a run with n = 0 (start-up).
import { resolve } from "node:path";

const [dir = ".", shape = "closure", nArg = "20000", clock = "virtual"] = process.argv.slice(2);
const n = Number(nArg);
const c = await import(resolve(dir, "dist/index.js"));
const { runTest } = await import(resolve(dir, "dist/testing/index.js"));
// The seeded delays of bench/harness.ts (mulberry32).
let seed = 0x5eed;
const rand = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const delays = Array.from({ length: n }, () => Math.floor(rand() * 501));
let woke = 0;
function* nap(ms) {
  yield* c.sleep(ms);
  woke++;
}
const body = function* () {
  const tasks = [];
  if (shape === "closure") {
    for (const ms of delays)
      tasks.push(
        c.spawn(function* () {
          yield* c.sleep(ms);
          woke++;
        }),
      );
  } else {
    for (const ms of delays) tasks.push(c.spawn(nap(ms)));
  }
  for (const t of tasks) yield* t;
};
await (clock === "real" ? c.run(body) : runTest(body));
if (woke !== n) throw new Error(`${woke} of ${n}`);
