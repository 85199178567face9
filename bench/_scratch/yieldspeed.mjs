import { run, spawn, action, until, sleep } from "effection";
const noop = () => {};
const mk = { action: () => action((r) => { r(); return noop; }), until: () => until(Promise.resolve()) };
for (const name of ["action", "until", "action", "until"]) {
  const T = 1000, Y = 200;
  const t0 = performance.now();
  await run(function* () {
    const ts = [];
    for (let t = 0; t < T; t++) ts.push(yield* spawn(function* () { for (let i = 0; i < Y; i++) yield* mk[name](); }));
    for (const t of ts) yield* t;
  });
  console.log(name, ((performance.now() - t0) * 1e6 / (T * Y)).toFixed(0), "ns/switch");
}
