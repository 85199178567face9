// The floor under the spawn workloads: what V8 itself charges per task, next to native async
// functions and a corio build, in CPU time (user + system, so the GC's helper threads count):
//
//   node --expose-gc bench/floor/spawn-floor.mjs <native|floor|floor-shared-proto|checkout> closure|shared [n] [rounds]
//
// - native: `(async () => { await null; ... })()` per task (closure) or one async function
//   called with an argument (shared), every promise awaited: the `spawn` workloads' native side.
// - floor: a ten-line executor with no Task, queue or join: n generators made up front, each
//   resumed through the cached %GeneratorPrototype%.next with corio's `yield*` hand-off until it
//   ends. What any generator-based runtime pays before its own work.
// - floor-shared-proto: the same, with each closure given one shared `prototype` before its
//   first call, as corio's `toCoroutine` does (body.ts, `shareProto`).
// - a checkout: corio's `spawn` workloads (a closure per task, or `spawn(body(i))`).
//
// Under callgrind (`valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded
// --expose-gc bench/floor/spawn-floor.mjs floor closure 20000 1`, minus a run with n = 1) it gives
// instruction counts for the same shapes. docs/internals.md, "Spawn path", has the numbers.
//
// A second line splits the CPU time (Linux only): the main thread's own CPU time, and the time it
// was blocked (wall time minus its CPU time minus its wait for a CPU): the time it slept, which in
// these loops is waiting for the GC's helper threads. Process CPU time counts those helpers' work
// in full; wall clock (bench/run.ts) sees only the main thread and its waits.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

// The main thread's [CPU time, time waiting for a CPU, timeslices] in ns (Linux schedstat).
const sched = () =>
  readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ").map(Number);

const [what = "floor", shape = "closure", nArg = "100000", roundsArg = "7"] = process.argv.slice(2);
const n = Number(nArg);

// corio's hand-off protocol (src/core/future.ts), reduced to a yieldNow.
const RESUME = Symbol("resume");
const YIELDED = { done: false, value: undefined };
const DONE = { done: true, value: undefined };
class YieldNow {
  [Symbol.iterator]() {
    return this;
  }
  next(token) {
    if (token === RESUME) return DONE;
    YIELDED.value = this;
    return YIELDED;
  }
}
const YIELD = new YieldNow();
const GeneratorPrototype = Object.getPrototypeOf(function* () {}.prototype);
const genNext = GeneratorPrototype.next;
const SHARED_PROTO = Object.create(GeneratorPrototype);
const sharedProto = what === "floor-shared-proto";

function start(fn) {
  if (sharedProto) fn.prototype = SHARED_PROTO;
  return fn();
}

function floor() {
  let done = 0;
  const body = function* (i) {
    yield* YIELD;
    done += i >= 0 ? 1 : 0;
  };
  const gens = [];
  for (let i = 0; i < n; i++)
    gens.push(
      shape === "closure"
        ? start(function* () {
            yield* YIELD;
            done++;
          })
        : body(i),
    );
  let live = gens;
  while (live.length > 0) {
    const next = [];
    for (const g of live) if (!genNext.call(g, RESUME).done) next.push(g);
    live = next;
  }
  return Promise.resolve(done);
}

async function native() {
  let done = 0;
  const body = async (i) => {
    await null;
    done += i >= 0 ? 1 : 0;
  };
  const tasks = [];
  if (shape === "closure")
    for (let i = 0; i < n; i++)
      tasks.push(
        (async () => {
          await null;
          done++;
        })(),
      );
  else for (let i = 0; i < n; i++) tasks.push(body(i));
  for (const t of tasks) await t;
  return done;
}

const c =
  what === "native" || what.startsWith("floor")
    ? null
    : await import(resolve(what, "dist/index.js"));

function corio() {
  return c.run(function* () {
    let done = 0;
    const body = function* (i) {
      yield* c.yieldNow();
      done += i >= 0 ? 1 : 0;
    };
    const tasks = [];
    if (shape === "closure")
      for (let i = 0; i < n; i++)
        tasks.push(
          c.spawn(function* () {
            yield* c.yieldNow();
            done++;
          }),
        );
    else for (let i = 0; i < n; i++) tasks.push(c.spawn(body(i)));
    for (const t of tasks) yield* t;
    return done;
  });
}

const round = what === "native" ? native : what.startsWith("floor") ? floor : corio;
const out = [];
const wall = [];
const main = [];
const blocked = [];
for (let r = 0; r < Number(roundsArg); r++) {
  globalThis.gc?.();
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  const m0 = sched();
  const done = await round();
  const cu = process.cpuUsage(t0);
  const m1 = sched();
  const w = ((performance.now() - w0) * 1e6) / n;
  main.push(Math.round((m1[0] - m0[0]) / n));
  blocked.push(Math.round(w - (m1[0] - m0[0] + m1[1] - m0[1]) / n));
  wall.push(Math.round(w));
  if (done !== n) throw new Error(`${done} of ${n}`);
  out.push(Math.round(((cu.user + cu.system) * 1e3) / n));
}
const sorted = [...out].sort((a, b) => a - b);
console.log(
  `${what} ${shape} ${n}: CPU ns/task median ${sorted[sorted.length >> 1]}, first ${out[0]} (${out.join(" ")})`,
);
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `  main thread CPU ns/task median ${med(main)} (${main.join(" ")}); blocked ${med(blocked)} (${blocked.join(" ")}); wall ${med(wall)}`,
);
