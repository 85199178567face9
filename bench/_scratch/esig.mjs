import { run, spawn, createSignal, createQueue } from "effection";
for (const N of [10000, 100000, 1000000]) {
  const t0 = performance.now();
  const s = await run(function* () {
    const sig = createSignal();
    const sub = yield* sig;
    const c = yield* spawn(function* () { let s = 0; for (;;) { const r = yield* sub.next(); if (r.done) return s; s += r.value; } });
    for (let i = 0; i < N; i++) sig.send(i);
    sig.close();
    return yield* c;
  });
  console.log("signal sync", N, ((performance.now() - t0) * 1e6 / N).toFixed(0), "ns/msg", s);
}
