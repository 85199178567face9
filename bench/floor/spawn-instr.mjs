// Instruction counts for spawning under callgrind (repeatable where wall and CPU time are not):
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/floor/spawn-instr.mjs <checkout> closure|shared [n]
//
// One process, one round of n tasks (default 20,000), each yielding once, all joined: the cold
// shape a CLI pays. Compare the "Collected" totals of two builds, minus a run with n = 0 (start-up).
import { resolve } from "node:path";

const [dir = ".", shape = "closure", nArg = "20000"] = process.argv.slice(2);
const n = Number(nArg);
const c = await import(resolve(dir, "dist/index.js"));
let done = 0;
function* shared(i) {
  yield* c.yieldNow();
  done += i >= 0 ? 1 : 0;
}
await c.run(function* () {
  const tasks = [];
  if (shape === "closure") {
    for (let i = 0; i < n; i++)
      tasks.push(
        c.spawn(function* () {
          yield* c.yieldNow();
          done++;
        }),
      );
  } else {
    for (let i = 0; i < n; i++) tasks.push(c.spawn(shared(i)));
  }
  for (const t of tasks) yield* t;
});
if (done !== n) throw new Error(`${done} of ${n}`);
