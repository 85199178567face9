import { run, spawn, action } from "effection";
const noop = () => {};
const y = () => action((r) => { r(); return noop; });
for (const N of [1000, 10000, 30000, 1000, 10000]) {
  const t0 = performance.now();
  await run(function* () {
    const ts = [];
    for (let t = 0; t < N; t++) ts.push(yield* spawn(function* () { yield* y(); }));
    for (const t of ts) yield* t;
  });
  console.log(N, ((performance.now() - t0) * 1e6 / N).toFixed(0), "ns/task");
}
