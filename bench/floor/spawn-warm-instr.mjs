// Warm instruction counts for spawning under callgrind: `rounds` runs of `run()` in one process,
// each spawning 20,000 tasks that yield once and are all joined.
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable \
//     bench/floor/spawn-warm-instr.mjs <checkout> shared|closure <rounds>
//
// Instructions per warm task = (total at 5 rounds - total at 1 round) / 80,000. `--predictable`
// keeps V8's GC heuristics from reading the clock, so the count does not drift with the load.
import { resolve } from "node:path";

const [dir = ".", shape = "shared", roundsArg = "3"] = process.argv.slice(2);
const c = await import(resolve(dir, "dist/index.js"));
const n = 20000;
let done = 0;
function* shared(i) {
  yield* c.yieldNow();
  done += i >= 0 ? 1 : 0;
}
for (let r = 0; r < Number(roundsArg); r++)
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
if (done !== n * Number(roundsArg)) throw new Error(`${done} of ${n * Number(roundsArg)}`);
