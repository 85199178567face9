// Instruction counts per combinator or cancel-scope call under callgrind (repeatable where wall and
// CPU time are not on a shared machine):
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded \
//     bench/floor/combinator-instr.mjs <checkout> <workload> <n>
//
// One process: a warm-up of n/4 calls, then n calls of the workload inside one task. Run it with
// n and 2n and take (I(2n) - I(n)) / n: the instructions one more call costs, start-up, warm-up
// and compilation cancelled out (bench/floor/instr-diff.sh does that for a list of workloads).
import { resolve } from "node:path";

const [dir = ".", name = "all10", nArg = "2000"] = process.argv.slice(2);
const n = Number(nArg);
const c = await import(resolve(dir, "dist/index.js"));
const ll = await import(resolve(dir, "dist/lowlevel.js"));
const op = ll.ready(1);

function* yieldOnce() {
  yield* c.yieldNow();
  return 1;
}
function* readyBody() {
  return 1;
}
function* readyOp() {
  return yield* op;
}
const ten = Array.from({ length: 10 }, () => yieldOnce);

// Each workload: one call, inside a task; returns what the call returned.
const workloads = {
  all10: () => c.all(ten),
  allSettled10: () => c.allSettled(ten),
  race: () => c.race([readyBody, c.sleep(1000)]),
  any: () => c.any([readyBody, c.sleep(1000)]),
  select: () => c.select({ a: op, b: c.sleep(1000) }),
  timeout: () => c.timeout(1000, yieldOnce),
  taskGroup: () =>
    c.taskGroup(function* (g) {
      for (let j = 0; j < 10; j++) g.spawn(yieldOnce);
    }),
  cancelScope: () => c.cancelScope(readyOp),
  moveOnAfter: () => c.moveOnAfter(1000, readyOp),
  shield: () => c.shield(readyOp),
  bare: () => readyOp(),
};
const fn = workloads[name];
if (fn === undefined) throw new Error(`unknown workload ${name}`);
await c.run(function* () {
  for (let i = 0; i < n / 4; i++) yield* fn();
  for (let i = 0; i < n; i++) yield* fn();
});
