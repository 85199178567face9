// The kernel's share of a served request: what `serve` pays the runtime per request, without
// any HTTP — a task spawned into a group from a Node callback (as `serve` spawns from Node's
// `request` event), which runs a shared generator function that delegates to a second one (the
// handler) and ends, 20 such "connections" each starting its next task from `setImmediate`
// once the previous ended. `plain` does the same callbacks with no task.
//
//   npm run build
//   node bench/http/task-floor.mjs <checkout> [corio|plain] [n]
//
// Prints CPU µs per "request" (process.cpuUsage) for five rounds after a warm-up. corio minus
// plain is the floor of serve's overhead over node:http that lies in the kernel: spawn, the
// loop's wake-up (a promise reaction), the step, the completion.
import { resolve } from "node:path";

const [dir = ".", mode = "corio", nArg = "100000"] = process.argv.slice(2);
const n = Number(nArg);
const c = await import(resolve(dir, "dist/index.js"));

function* handler(x) {
  return x;
}
function* exchange(x) {
  const r = yield* handler(x);
  r.done();
}

let group;
const rt = new c.Runtime();
const opened = new Promise((ready) => {
  rt.spawn(function* () {
    yield* c.taskGroup(function* (g) {
      group = g;
      ready();
      yield* c.sleep(1e9);
    });
  });
});
void rt.run();
await opened;

async function round() {
  const c0 = process.cpuUsage();
  await new Promise((allDone) => {
    let started = 0;
    let ended = 0;
    const done = () => {
      if (++ended === n) allDone();
      else setImmediate(next);
    };
    const next = () => {
      if (started >= n) return;
      started++;
      if (mode === "corio") group.spawn(exchange({ done }), { name: "GET /" });
      else done();
    };
    for (let i = 0; i < 20; i++) next();
  });
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / n;
}

const xs = [];
for (let r = 0; r < 6; r++) xs.push(await round());
console.log(
  `${mode}: ${xs
    .slice(1)
    .map((x) => x.toFixed(3))
    .join(" ")} µs CPU per request`,
);
process.exit(0);
