// Compares two builds of corio (two checkouts, each with dist/ built) on small kernel workloads,
// by CPU time rather than wall time, so that a shared, loaded machine disturbs it less:
//
//   node bench/compare-builds.mjs <checkout A> <checkout B> [--procs 5] [--runs 5] [--only race,all10]
//
// Each measurement is a fresh process (`--expose-gc`) running one build: two warm-ups, then `runs`
// timed runs after a full GC, reporting the median and the minimum CPU ns per operation
// (process.cpuUsage: user + system). Processes alternate A, B, B, A, ... `procs` times each. The
// table gives the median over processes, the minimum over all runs, and B/A for both.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const workloads = {
  // 1,000 tasks x 200 yieldNow: the step loop.
  yield: [
    200_000,
    ({ c }) =>
      c.run(function* () {
        const tasks = [];
        for (let i = 0; i < 1000; i++)
          tasks.push(
            c.spawn(function* () {
              for (let j = 0; j < 200; j++) yield* c.yieldNow();
            }),
          );
        for (const t of tasks) yield* t;
      }),
  ],
  // spawn, one yield, join: a closure per task (the shape users write).
  spawn: [
    50_000,
    ({ c }) =>
      c.run(function* () {
        const tasks = [];
        for (let i = 0; i < 50_000; i++)
          tasks.push(
            c.spawn(function* () {
              yield* c.yieldNow();
            }),
          );
        for (const t of tasks) yield* t;
      }),
  ],
  // spawn, one yield, join: one shared generator function called with an argument per task.
  spawnShared: [
    50_000,
    ({ c }) =>
      c.run(function* () {
        let sum = 0;
        const body = function* (i) {
          yield* c.yieldNow();
          sum += i;
        };
        const tasks = [];
        for (let i = 0; i < 50_000; i++) tasks.push(c.spawn(body(i)));
        for (const t of tasks) yield* t;
        return sum;
      }),
  ],
  // ping-pong over two channels of capacity 1: futures polled, parked, woken.
  pingpong: [
    50_000,
    ({ c }) =>
      c.run(function* () {
        const [atx, arx] = c.channel(1);
        const [btx, brx] = c.channel(1);
        const echo = c.spawn(function* () {
          for (let i = 0; i < 50_000; i++) {
            const r = yield* arx.recv();
            yield* btx.send(r.value);
          }
        });
        for (let i = 0; i < 50_000; i++) {
          yield* atx.send(i);
          yield* brx.recv();
        }
        yield* echo;
      }),
  ],
  // 200,000 numbers through a capacity-1,024 channel, 1 producer -> 1 consumer: the ready paths.
  channel: [
    200_000,
    ({ c }) =>
      c.run(function* () {
        const [tx, rx] = c.channel(1024);
        const producer = c.spawn(function* () {
          for (let i = 0; i < 200_000; i++) yield* tx.send(i);
          tx.close();
        });
        for (;;) {
          const r = yield* rx.recv();
          if (r.done) break;
        }
        yield* producer;
      }),
  ],
  // 100 tasks x 200 locks of one Mutex, yielding while holding it (bench/workloads/mutex.ts).
  mutex: [
    20_000,
    ({ c }) =>
      c.run(function* () {
        const m = new c.Mutex();
        let counter = 0;
        const tasks = [];
        for (let i = 0; i < 100; i++)
          tasks.push(
            c.spawn(function* () {
              for (let j = 0; j < 200; j++) {
                const guard = yield* m.lock();
                try {
                  const v = counter;
                  yield* c.yieldNow();
                  counter = v + 1;
                } finally {
                  guard.release();
                }
              }
            }),
          );
        for (const t of tasks) yield* t;
      }),
  ],
  // 50,000 jobs through a Queue(64) served by 4 workers (bench/workloads/queue.ts).
  queue: [
    50_000,
    ({ c }) =>
      c.run(function* () {
        const q = new c.Queue(64);
        const workers = [];
        for (let w = 0; w < 4; w++)
          workers.push(
            c.spawn(function* () {
              for (;;) {
                const job = yield* q.get();
                q.taskDone();
                if (job === -1) return;
              }
            }),
          );
        for (let i = 0; i < 50_000; i++) yield* q.put(i);
        for (let w = 0; w < 4; w++) yield* q.put(-1);
        yield* q.join();
        for (const w of workers) yield* w;
      }),
  ],
  // 20,000 tasks sleep 1..100 ms on the virtual clock: filing and firing timers.
  timers: [
    20_000,
    ({ c, t }) =>
      t.runTest(function* () {
        const tasks = [];
        for (let i = 0; i < 20_000; i++)
          tasks.push(
            c.spawn(function* () {
              yield* c.sleep(1 + ((i * 7919) % 100));
            }),
          );
        for (const x of tasks) yield* x;
      }),
  ],
  // 20,000 closure tasks sleep a pseudo-random 0..40 ms on the real clock (bench/workloads/timers.ts
  // in small): making, filing, cascading and firing timers, and the wake-ups. CPU time only, so
  // the sleeping itself costs nothing.
  timersReal: [
    20_000,
    ({ c }) =>
      c.run(function* () {
        const tasks = [];
        for (let i = 0; i < 20_000; i++) {
          const ms = (i * 7919) % 41;
          tasks.push(
            c.spawn(function* () {
              yield* c.sleep(ms);
            }),
          );
        }
        for (const x of tasks) yield* x;
      }),
  ],
  // race of a ready body against a long sleep: start, decide, wind down (drop the sleep).
  race: [
    20_000,
    ({ c }) =>
      c.run(function* () {
        for (let i = 0; i < 20_000; i++)
          yield* c.race([
            function* () {
              return i;
            },
            c.sleep(1000),
          ]);
      }),
  ],
  // timeout around a body that yields once.
  timeout: [
    20_000,
    ({ c }) =>
      c.run(function* () {
        for (let i = 0; i < 20_000; i++)
          yield* c.timeout(1000, function* () {
            yield* c.yieldNow();
            return i;
          });
      }),
  ],
  // all of 10 bodies, each yielding once.
  all10: [
    2_000,
    ({ c }) =>
      c.run(function* () {
        const body = function* () {
          yield* c.yieldNow();
          return 1;
        };
        const bodies = Array.from({ length: 10 }, () => body);
        for (let i = 0; i < 2_000; i++) yield* c.all(bodies);
      }),
  ],
  // a task group of 10 children, each yielding once.
  taskGroup: [
    2_000,
    ({ c }) =>
      c.run(function* () {
        for (let i = 0; i < 2_000; i++)
          yield* c.taskGroup(function* (g) {
            for (let j = 0; j < 10; j++)
              g.spawn(function* () {
                yield* c.yieldNow();
              });
          });
      }),
  ],
  // allSettled of 10 bodies, each yielding once.
  allSettled10: [
    2_000,
    ({ c }) =>
      c.run(function* () {
        const body = function* () {
          yield* c.yieldNow();
          return 1;
        };
        const bodies = Array.from({ length: 10 }, () => body);
        for (let i = 0; i < 2_000; i++) yield* c.allSettled(bodies);
      }),
  ],
  // select between a channel with a message waiting and a long sleep: polled futures only.
  select: [
    20_000,
    ({ c }) =>
      c.run(function* () {
        const [tx, rx] = c.channel(1);
        for (let i = 0; i < 20_000; i++) {
          yield* tx.send(i);
          yield* c.select({ msg: rx.recv(), tick: c.sleep(1000) });
        }
      }),
  ],
  // cancelScope / moveOnAfter around a body that yields once (not in builds before cancel scopes).
  cancelScope: [
    20_000,
    ({ c }) =>
      c.run(function* () {
        const body = function* () {
          yield* c.yieldNow();
          return 1;
        };
        for (let i = 0; i < 20_000; i++) yield* c.cancelScope(body);
      }),
  ],
  moveOnAfter: [
    20_000,
    ({ c }) =>
      c.run(function* () {
        const body = function* () {
          yield* c.yieldNow();
          return 1;
        };
        for (let i = 0; i < 20_000; i++) yield* c.moveOnAfter(1000, body);
      }),
  ],
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function child(dir, runs, only) {
  const build = {
    c: await import(resolve(dir, "dist/index.js")),
    t: await import(resolve(dir, "dist/testing/index.js")),
  };
  const out = {};
  for (const name of only) {
    const [ops, fn] = workloads[name];
    await fn(build);
    await fn(build);
    const times = [];
    for (let r = 0; r < runs; r++) {
      globalThis.gc?.();
      const c0 = process.cpuUsage();
      await fn(build);
      const cu = process.cpuUsage(c0);
      times.push(((cu.user + cu.system) * 1e3) / ops);
    }
    out[name] = [median(times), Math.min(...times)];
  }
  console.log(JSON.stringify(out));
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    procs: { type: "string", default: "5" },
    runs: { type: "string", default: "5" },
    only: { type: "string" },
    child: { type: "boolean", default: false },
  },
});
const only = values.only ? values.only.split(",") : Object.keys(workloads);
for (const name of only) if (!(name in workloads)) throw new Error(`unknown workload ${name}`);
if (values.child) {
  await child(positionals[0], Number(values.runs), only);
} else {
  const [a, b] = positionals;
  if (!a || !b)
    throw new Error(
      "usage: node bench/compare-builds.mjs <checkout A> <checkout B> [--procs N] [--runs N] [--only x,y]",
    );
  const procs = Number(values.procs);
  const res = { A: {}, B: {} };
  const self = fileURLToPath(import.meta.url);
  for (let p = 0; p < procs; p++) {
    for (const side of p % 2 === 0 ? ["A", "B"] : ["B", "A"]) {
      const dir = side === "A" ? a : b;
      const args = [
        "--expose-gc",
        self,
        "--child",
        dir,
        "--runs",
        values.runs,
        "--only",
        only.join(","),
      ];
      const line = execFileSync(process.execPath, args, { encoding: "utf8" })
        .trim()
        .split("\n")
        .at(-1);
      for (const [k, v] of Object.entries(JSON.parse(line))) {
        res[side][k] = [...(res[side][k] ?? []), v];
      }
    }
  }
  console.log(
    `A = ${a}\nB = ${b}\n${procs} processes per build, alternating; CPU ns/op, median over processes (min over all runs)`,
  );
  console.log(
    `${"workload".padEnd(10)} ${"A".padStart(16)} ${"B".padStart(16)}  B/A median  B/A min`,
  );
  for (const k of only) {
    const am = median(res.A[k].map((x) => x[0]));
    const bm = median(res.B[k].map((x) => x[0]));
    const an = Math.min(...res.A[k].map((x) => x[1]));
    const bn = Math.min(...res.B[k].map((x) => x[1]));
    const f = (m, n) => `${m.toFixed(0).padStart(8)} (${n.toFixed(0).padStart(6)})`;
    console.log(
      `${k.padEnd(10)} ${f(am, an)} ${f(bm, bn)}  ${(bm / am).toFixed(2).padStart(10)}  ${(bn / an).toFixed(2).padStart(7)}`,
    );
  }
}
