// Warm instruction counts for spawning under callgrind: `rounds` runs of `run()` in one process,
// each spawning 20,000 tasks that yield once and are all joined.
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable \
//     bench/floor/spawn-warm-instr.mjs <checkout|native|floor> shared|closure <rounds>
//
// Instructions per warm task = (total at 12 rounds - total at 2 rounds) / 200,000 (fewer rounds
// swing with where V8's GC cycles fall: 2 -> 6 gave 5,016 where 2 -> 12 gave 3,704 for the same
// build). `--predictable` keeps V8's GC heuristics from reading the clock, so the count does not
// drift with the load; `--single-threaded` puts the GC's work on the counted thread.
// `native`: the same rounds with async functions (`await null`); `floor`: bare generators resumed
// by a loop (spawn-floor.mjs's floor), shared shape only.
import { resolve } from "node:path";

const [dir = ".", shape = "shared", roundsArg = "3"] = process.argv.slice(2);
const n = 20000;
let done = 0;

const RESUME = Symbol("resume");
const YIELDED = { done: false, value: undefined };
const DONE = { done: true, value: undefined };
const YIELD = {
  [Symbol.iterator]() {
    return this;
  },
  next(token) {
    if (token === RESUME) return DONE;
    YIELDED.value = this;
    return YIELDED;
  },
};
const genNext = Object.getPrototypeOf(function* () {}.prototype).next;

async function nativeShared(i) {
  await null;
  done += i >= 0 ? 1 : 0;
}
async function nativeRound() {
  const tasks = [];
  if (shape === "closure")
    for (let i = 0; i < n; i++)
      tasks.push(
        (async () => {
          await null;
          done++;
        })(),
      );
  else for (let i = 0; i < n; i++) tasks.push(nativeShared(i));
  for (const t of tasks) await t;
}

function* floorShared(i) {
  yield* YIELD;
  done += i >= 0 ? 1 : 0;
}
function floorRound() {
  const gens = [];
  for (let i = 0; i < n; i++) gens.push(floorShared(i));
  let live = gens;
  while (live.length > 0) {
    const next = [];
    for (const g of live) if (!genNext.call(g, RESUME).done) next.push(g);
    live = next;
  }
}

const c = dir === "native" || dir === "floor" ? null : await import(resolve(dir, "dist/index.js"));
function* shared(i) {
  yield* c.yieldNow();
  done += i >= 0 ? 1 : 0;
}
const corioRound = () =>
  c.run(function* () {
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

const round = dir === "native" ? nativeRound : dir === "floor" ? floorRound : corioRound;
for (let r = 0; r < Number(roundsArg); r++) await round();
if (done !== n * Number(roundsArg)) throw new Error(`${done} of ${n * Number(roundsArg)}`);
