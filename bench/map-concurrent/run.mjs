// mapConcurrent against a hand-written Semaphore loop (issue 12's target: at least as fast).
//
//   npm run build && node bench/map-concurrent/run.mjs [--procs 6] [--items 100000] [--limit 100]
//
// The same job both ways: 100,000 items, at most `limit` at once, each item's work one suspension
// (`yield* yieldNow()`) and a result; results in input order, checked. The Semaphore loop is what a
// user writes without mapConcurrent: acquire a permit, spawn the item into a taskGroup, release in
// `finally`. Measured by CPU time (process.cpuUsage, user + system), which a shared, loaded machine
// disturbs far less than wall time: each measurement is a fresh process (`--expose-gc`) running
// one implementation: a warm-up at a tenth of the size, then 3 timed runs after a full GC, reporting
// the median. Processes rotate through the implementations, `procs` rounds. corio is the built dist/.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    child: { type: "string" },
    procs: { type: "string", default: "6" },
    items: { type: "string", default: "100000" },
    limit: { type: "string", default: "100" },
  },
});
const items = Number(args.items);
const limit = Number(args.limit);

let c; // corio, loaded by the child process

/** Each item's work: one suspension and a result, as a user's coroutine. */
function* double(x) {
  yield* c.yieldNow();
  return x * 2;
}

const impls = {
  mapConcurrent: (c, list) => c.mapConcurrent(list, limit, double),
  semaphore: function* (c, list) {
    const sem = new c.Semaphore(limit);
    const results = new Array(list.length);
    yield* c.taskGroup(function* (group) {
      for (let i = 0; i < list.length; i++) {
        const permit = yield* sem.acquire();
        group.spawn(function* () {
          try {
            results[i] = yield* double(list[i]);
          } finally {
            permit.release();
          }
        });
      }
    });
    return results;
  },
  // The floor: what mapConcurrent does, written out by hand (limit tasks on a shared cursor, joined
  // with all()), to show what the library adds over it.
  workers: function* (c, list) {
    const results = new Array(list.length);
    let next = 0;
    const worker = function* () {
      while (next < list.length) {
        const i = next++;
        results[i] = yield* double(list[i]);
      }
    };
    yield* c.all(Array.from({ length: Math.min(limit, list.length) }, () => worker));
    return results;
  },
};

async function child(name) {
  c = await import(new URL("../../dist/index.js", import.meta.url).href);
  const impl = impls[name];
  const once = async (n) => {
    const list = Array.from({ length: n }, (_, i) => i);
    const out = await c.run(() => impl(c, list));
    if (out.length !== n || out[n - 1] !== (n - 1) * 2 || out[7] !== 14)
      throw new Error("wrong result");
  };
  await once(items / 10);
  const times = [];
  for (let r = 0; r < 3; r++) {
    globalThis.gc?.();
    const t0 = process.cpuUsage();
    await once(items);
    const t = process.cpuUsage(t0);
    times.push(((t.user + t.system) * 1000) / items);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ median: times[1], min: times[0] }));
}

function parent() {
  const procs = Number(args.procs);
  const names = Object.keys(impls);
  // Rotate the order each round so no implementation always runs first or last.
  const results = Object.fromEntries(names.map((n) => [n, []]));
  const self = fileURLToPath(import.meta.url);
  for (let p = 0; p < procs; p++) {
    const order = names.map((_, k) => names[(k + p) % names.length]);
    for (const name of order) {
      const out = execFileSync(process.execPath, [
        "--expose-gc",
        self,
        "--child",
        name,
        "--items",
        String(items),
        "--limit",
        String(limit),
      ]);
      results[name].push(JSON.parse(out.toString()));
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${items} items, limit ${limit}, ${procs} processes each; CPU ns per item`);
  console.log("| implementation | median over processes | min over all runs |");
  console.log("|---|---|---|");
  const summary = {};
  for (const name of names) {
    summary[name] = {
      median: med(results[name].map((r) => r.median)),
      min: Math.min(...results[name].map((r) => r.min)),
    };
    console.log(
      `| ${name} | ${summary[name].median.toFixed(0)} | ${summary[name].min.toFixed(0)} |`,
    );
  }
  const ratio = (k, base) => (summary.mapConcurrent[k] / summary[base][k]).toFixed(2);
  for (const base of ["semaphore", "workers"])
    console.log(
      `mapConcurrent / ${base}: median ${ratio("median", base)}, min ${ratio("min", base)}`,
    );
}

if (args.child) await child(args.child);
else parent();
