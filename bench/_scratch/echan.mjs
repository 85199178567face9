import { run, spawn, createChannel, createSignal, createQueue, action } from "effection";
for (const N of [10000, 100000, 300000]) {
  let consumed = 0, maxLag = 0;
  const t0 = performance.now();
  await run(function* () {
    const ch = createChannel();
    const sub = yield* ch;
    const c = yield* spawn(function* () { let s = 0; for (;;) { const r = yield* sub.next(); if (r.done) return s; s += r.value; consumed++; } });
    const p = yield* spawn(function* () { for (let i = 0; i < N; i++) { yield* ch.send(i); maxLag = Math.max(maxLag, i - consumed); } yield* ch.close(); });
    yield* p; return yield* c;
  });
  console.log(N, ((performance.now() - t0) * 1e6 / N).toFixed(0), "ns/msg, max lag", maxLag);
}
