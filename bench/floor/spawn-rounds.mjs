// CPU time per spawned task, several rounds in one process (warm), for a build or native:
//
//   node --expose-gc bench/floor/spawn-rounds.mjs <checkout|native> closure|shared [n] [rounds]
//
// Each task yields once (`yieldNow` / `await null`) and is joined. CPU time (user + system, so
// the GC's helper threads count) is steadier than wall time on a shared machine.
import { resolve } from "node:path";

const [dir = ".", shape = "closure", nArg = "100000", roundsArg = "5"] = process.argv.slice(2);
const n = Number(nArg);
const c = dir === "native" ? null : await import(resolve(dir, "dist/index.js"));

async function native() {
  let done = 0;
  const body = async (i) => {
    await null;
    done += i >= 0 ? 1 : 0;
  };
  const tasks = [];
  if (shape === "closure") {
    for (let i = 0; i < n; i++)
      tasks.push(
        (async () => {
          await null;
          done++;
        })(),
      );
  } else {
    for (let i = 0; i < n; i++) tasks.push(body(i));
  }
  for (const t of tasks) await t;
  return done;
}

function corio() {
  return c.run(function* () {
    let done = 0;
    const body = function* (i) {
      yield* c.yieldNow();
      done += i >= 0 ? 1 : 0;
    };
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
      for (let i = 0; i < n; i++) tasks.push(c.spawn(body(i)));
    }
    for (const t of tasks) yield* t;
    return done;
  });
}

const out = [];
for (let r = 0; r < Number(roundsArg); r++) {
  globalThis.gc();
  const t0 = process.cpuUsage();
  const done = await (c === null ? native() : corio());
  const cu = process.cpuUsage(t0);
  if (done !== n) throw new Error(`${done} of ${n}`);
  out.push((((cu.user + cu.system) * 1e3) / n).toFixed(0));
}
console.log(`${dir} ${shape} ${n}: CPU ns/task per round ${out.join(" ")}`);
