// corio's cost per task for the body shapes shareProto (src/core/body.ts) tells apart:
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable \
//     bench/floor/spawn-bodies-instr.mjs <checkout> closure|fn|alt4|mix <rounds>
//
// (total at 6 rounds - total at 1) / 100,000.
import { resolve } from "node:path";

const [dir = ".", shape = "fn", roundsArg = "3"] = process.argv.slice(2);
const c = await import(resolve(dir, "dist/index.js"));
const n = 20000;
let done = 0;
function* w0() {
  yield* c.yieldNow();
  done++;
}
function* w1() {
  yield* c.yieldNow();
  done++;
}
function* w2() {
  yield* c.yieldNow();
  done++;
}
function* w3() {
  yield* c.yieldNow();
  done++;
}
const ws = [w0, w1, w2, w3];
for (let r = 0; r < Number(roundsArg); r++)
  await c.run(function* () {
    const tasks = [];
    for (let i = 0; i < n; i++) {
      let body;
      if (shape === "closure" || (shape === "mix" && i % 17 !== 0))
        body = function* () {
          yield* c.yieldNow();
          done++;
        };
      else if (shape === "alt4") body = ws[i & 3];
      else body = w0;
      tasks.push(c.spawn(body));
    }
    for (const t of tasks) yield* t;
  });
if (done !== n * Number(roundsArg)) throw new Error(`${done}`);
