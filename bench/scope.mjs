// What a cancel scope costs around a ready operation, against a bare `yield*` of it, in CPU time:
//
//   npm run build && node --expose-gc bench/scope.mjs [--blocks 15] [--ops 200000]
//
// One process, the three variants in alternating blocks (bare, cancelScope, moveOnAfter, then
// the next block in the order rotated), each block `ops` operations inside one task after a GC;
// process.cpuUsage (user + system) per block, so a shared machine's load disturbs it less than
// wall time would. Reports the median and minimum ns per operation and the ratio to bare.
// The bar: a cancelScope/moveOnAfter around a ready operation at most 2x a bare yield*.
import { parseArgs } from "node:util";
import { cancelScope, moveOnAfter, run } from "../dist/index.js";
import { ready } from "../dist/lowlevel.js";

const { values } = parseArgs({
  options: {
    blocks: { type: "string", default: "15" },
    ops: { type: "string", default: "200000" },
  },
});
const blocks = Number(values.blocks);
const ops = Number(values.ops);
const op = ready(1);

function* readyOp() {
  return yield* op;
}

const variants = {
  bare: function* () {
    let sum = 0;
    for (let i = 0; i < ops; i++) sum += yield* op;
    return sum;
  },
  cancelScope: function* () {
    let sum = 0;
    for (let i = 0; i < ops; i++) sum += yield* cancelScope(readyOp);
    return sum;
  },
  moveOnAfter: function* () {
    let sum = 0;
    for (let i = 0; i < ops; i++) sum += yield* moveOnAfter(1000, readyOp);
    return sum;
  },
};
const names = Object.keys(variants);
const samples = Object.fromEntries(names.map((n) => [n, []]));

async function block(name) {
  globalThis.gc?.();
  const start = process.cpuUsage();
  const sum = await run(variants[name]);
  const used = process.cpuUsage(start);
  if (sum !== ops) throw new Error(`${name}: wrong result ${sum}`);
  samples[name].push(((used.user + used.system) * 1000) / ops);
}

for (const name of names) await block(name); // warm-up
for (const name of names) samples[name].length = 0;
for (let b = 0; b < blocks; b++) {
  for (let k = 0; k < names.length; k++) await block(names[(b + k) % names.length]);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const bareMed = median(samples.bare);
const bareMin = Math.min(...samples.bare);
console.log(`node ${process.version}, ${blocks} blocks x ${ops} ops, CPU ns/op`);
console.log("variant       median    min   median/bare  min/bare");
for (const name of names) {
  const med = median(samples[name]);
  const min = Math.min(...samples[name]);
  console.log(
    `${name.padEnd(12)} ${med.toFixed(1).padStart(7)} ${min.toFixed(1).padStart(6)}   ${(med / bareMed).toFixed(2).padStart(9)}x ${(min / bareMin).toFixed(2).padStart(8)}x`,
  );
}
