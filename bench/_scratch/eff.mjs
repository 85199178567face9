import { Effect, Fiber, Queue, Semaphore } from "effect";
const spawnN = (N) => Effect.gen(function* () {
  const fs = [];
  for (let i = 0; i < N; i++) fs.push(yield* Effect.forkChild(Effect.yieldNow));
  for (const f of fs) yield* Fiber.join(f);
});
const yieldN = (T, Y) => Effect.gen(function* () {
  const fs = [];
  for (let i = 0; i < T; i++) fs.push(yield* Effect.forkChild(Effect.gen(function* () { for (let j = 0; j < Y; j++) yield* Effect.yieldNow; })));
  for (const f of fs) yield* Fiber.join(f);
});
for (let k = 0; k < 3; k++) {
  let t0 = performance.now(); await Effect.runPromise(spawnN(100000)); console.log("spawn", ((performance.now() - t0) * 1e6 / 1e5).toFixed(0));
  t0 = performance.now(); await Effect.runPromise(yieldN(1000, 1000)); console.log("yield", ((performance.now() - t0) * 1e6 / 1e6).toFixed(0));
}
// interleaving
const log = [];
await Effect.runPromise(Effect.gen(function* () {
  const fs = [];
  for (let t = 0; t < 3; t++) fs.push(yield* Effect.forkChild(Effect.gen(function* () { for (let i = 0; i < 3; i++) { log.push(`${t}${i}`); yield* Effect.yieldNow; } })));
  for (const f of fs) yield* Fiber.join(f);
}));
console.log(log.join(" "));
