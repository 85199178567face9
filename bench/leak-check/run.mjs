// What runTest's leak check costs, interleaved in one process, median of ROUNDS:
// - sleeps: many tasks sleeping (timers record no stack: nothing should change);
// - files: open() and close() of one file (each open records a stack).
// Each under run() with a virtual clock (no registry), runTest({allowLeaks: true})
// (no registry) and runTest() (the registry). Build first: corio comes from dist/.
//
//   node --expose-gc bench/leak-check/run.mjs [tasks=1000] [sleepsPerTask=100] [rounds=7] [opens=2000]
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "../../dist/fs/index.js";
import { run, sleep, spawn } from "../../dist/index.js";
import { runTest } from "../../dist/testing/index.js";

const [tasks = 1000, sleeps = 100, rounds = 7, opens = 2000] = process.argv.slice(2).map(Number);
const file = join(tmpdir(), `corio-leak-bench-${process.pid}`);
writeFileSync(file, "x");

function* files() {
  for (let i = 0; i < opens; i++) {
    const f = yield* open(file, "r");
    f.close();
  }
  return opens;
}

function* body() {
  const all = [];
  for (let t = 0; t < tasks; t++) {
    all.push(
      spawn(function* () {
        for (let i = 0; i < sleeps; i++) yield* sleep(1 + (i % 7));
      }),
    );
  }
  for (const t of all) yield* t;
  return tasks * sleeps;
}

for (const [workload, fn, unit] of [
  [`sleeps: ${tasks} tasks x ${sleeps}`, body, "sleep"],
  [`files: ${opens} open+close`, files, "open"],
]) {
  const modes = {
    "run({virtualTime: true})": () => run(fn, { virtualTime: true }),
    "runTest({allowLeaks: true})": () => runTest(fn, { allowLeaks: true }),
    "runTest() (leak check)": () => runTest(fn),
  };
  const samples = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  for (const start of Object.values(modes)) await start(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, start] of Object.entries(modes)) {
      globalThis.gc?.();
      const t0 = performance.now();
      const n = await start();
      const ns = ((performance.now() - t0) * 1e6) / n;
      samples[name].push(ns);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(samples["run({virtualTime: true})"]);
  console.log(`${workload}, ${rounds} rounds, node ${process.version}`);
  for (const [name, xs] of Object.entries(samples)) {
    const m = median(xs);
    console.log(
      `${name.padEnd(30)} median ${m.toFixed(0).padStart(5)} ns/${unit}  x${(m / base).toFixed(2)}  [${xs.map((x) => x.toFixed(0)).join(" ")}]`,
    );
  }
}
rmSync(file, { force: true });
