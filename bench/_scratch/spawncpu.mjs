import { run, spawn, action } from "effection";
const noop = () => {};
const y = () => action((r) => { r(); return noop; });
const N = 5000;
const c0 = process.cpuUsage(); const t0 = performance.now();
let tSpawned;
await run(function* () {
  const ts = [];
  for (let t = 0; t < N; t++) ts.push(yield* spawn(function* () { yield* y(); }));
  tSpawned = performance.now();
  for (const t of ts) yield* t;
});
const c = process.cpuUsage(c0);
console.log("wall", (performance.now() - t0).toFixed(0), "spawnphase", (tSpawned - t0).toFixed(0), "cpu", ((c.user + c.system) / 1000).toFixed(0));
