// The floor under the `yield` workload: what V8 charges for one suspend-and-resume
// before any executor work, measured in one process, interleaved, medians of 9.
//
//   node bench/floor/run.mjs
//
// - yield*: 1,000 bare generators, each `yield* future` on a future that is its
//   own iterator (corio's hand-off protocol: [Symbol.iterator], next(), next(RESUME)),
//   resumed round-robin by a plain loop: no executor, no queue.
// - yield: the same with a plain `yield` (what a runtime could do if `yield*`
//   were not required).
// - await: 1,000 async functions, `await null` (native async/await).
const RESUME = Symbol("resume");
const YIELDED = { done: false, value: undefined };
const DONE = { done: true, value: undefined };
class Future {
  [Symbol.iterator]() {
    return this;
  }
  next(token) {
    if (token === RESUME) return DONE;
    YIELDED.value = this;
    return YIELDED;
  }
}
const F = new Future();
const TASKS = 1000;
const PER = 1000;

function drive(make) {
  const gens = [];
  for (let i = 0; i < TASKS; i++) gens.push(make());
  let live = gens;
  while (live.length > 0) {
    const next = [];
    for (const g of live) if (!g.next(RESUME).done) next.push(g);
    live = next;
  }
}
function* delegating() {
  for (let j = 0; j < PER; j++) yield* F;
}
function* plain() {
  for (let j = 0; j < PER; j++) yield F;
}
async function awaiting() {
  for (let j = 0; j < PER; j++) await null;
}
const variants = {
  "yield* (corio's protocol, no executor)": async () => drive(delegating),
  "yield (plain)": async () => drive(plain),
  "await null (native)": async () => {
    const ps = [];
    for (let i = 0; i < TASKS; i++) ps.push(awaiting());
    await Promise.all(ps);
  },
};
const results = {};
for (let round = 0; round < 9; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const start = performance.now();
    await run();
    const nsPerStep = ((performance.now() - start) * 1e6) / (TASKS * PER);
    if (results[name] === undefined) results[name] = [];
    results[name].push(nsPerStep);
  }
}
for (const [name, xs] of Object.entries(results)) {
  xs.sort((a, b) => a - b);
  console.log(`${name.padEnd(40)} median ${xs[4].toFixed(1)} ns/switch  min ${xs[0].toFixed(1)}`);
}
