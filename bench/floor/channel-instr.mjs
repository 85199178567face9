// Instruction counts for channels under callgrind (repeatable where wall and CPU time are not):
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded \
//     bench/floor/channel-instr.mjs <checkout> pingpong|channel|mutex|queue [n] [rounds]
//
// One process, one round by default (more rounds: the warm shape, fresh closures each round): `pingpong` bounces a counter n times (default 20,000) between two
// tasks over two channels of capacity 1 (bench/workloads/pingpong.ts); `channel` sends n
// (default 100,000) numbers through a capacity-1,024 channel (bench/workloads/channel.ts);
// `mutex`: 100 tasks take a Mutex n times in all, yielding while holding it
// (bench/workloads/mutex.ts); `queue`: n jobs through a Queue(64) served by 4 workers
// (bench/workloads/queue.ts); `yield`: 1,000 tasks yield n times in all (bench/workloads/yield.ts).
// Compare the "Collected" totals of two builds, minus
// a run with n = 0 (start-up).
import { resolve } from "node:path";

const [dir = ".", which = "pingpong", nArg, roundsArg = "1"] = process.argv.slice(2);
const c = await import(resolve(dir, "dist/index.js"));

const workloads = {
  pingpong: [
    20_000,
    (n) =>
      c.run(function* () {
        const [pingTx, pingRx] = c.channel(1);
        const [pongTx, pongRx] = c.channel(1);
        const ponger = c.spawn(function* () {
          for (;;) {
            const r = yield* pingRx.recv();
            if (r.done) return;
            yield* pongTx.send(r.value + 1);
          }
        });
        const pinger = c.spawn(function* () {
          let v = 0;
          for (let i = 0; i < n; i++) {
            yield* pingTx.send(v);
            const r = yield* pongRx.recv();
            v = r.value;
          }
          pingTx.close();
          return v;
        });
        const v = yield* pinger;
        yield* ponger;
        return v;
      }),
    (n) => n,
  ],
  channel: [
    100_000,
    (n) =>
      c.run(function* () {
        const [tx, rx] = c.channel(1024);
        const producer = c.spawn(function* () {
          for (let i = 0; i < n; i++) yield* tx.send(i);
          tx.close();
        });
        const consumer = c.spawn(function* () {
          let sum = 0;
          for (;;) {
            const r = yield* rx.recv();
            if (r.done) return sum;
            sum += r.value;
          }
        });
        yield* producer;
        return yield* consumer;
      }),
    (n) => (n * (n - 1)) / 2,
  ],
  mutex: [
    20_000,
    (n) =>
      c.run(function* () {
        const m = new c.Mutex();
        let counter = 0;
        const tasks = [];
        for (let k = 0; k < 100; k++)
          tasks.push(
            c.spawn(function* () {
              for (let j = 0; j < n / 100; j++) {
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
        return counter;
      }),
    (n) => n,
  ],
  yield: [
    100_000,
    (n) =>
      c.run(function* () {
        // 1,000 tasks each yield n / 1,000 times (bench/workloads/yield.ts).
        const perTask = n / 1000;
        let switches = 0;
        const body = function* () {
          for (let j = 0; j < perTask; j++) {
            yield* c.yieldNow();
            switches++;
          }
        };
        const tasks = [];
        for (let i = 0; i < 1000; i++) tasks.push(c.spawn(body));
        for (const t of tasks) yield* t;
        return switches;
      }),
    (n) => n,
  ],
  queue: [
    20_000,
    (n) =>
      c.run(function* () {
        const STOP = -1;
        const q = new c.Queue(64);
        const workers = [];
        for (let k = 0; k < 4; k++)
          workers.push(
            c.spawn(function* () {
              let sum = 0;
              for (;;) {
                const job = yield* q.get();
                q.taskDone();
                if (job === STOP) return sum;
                sum += job;
              }
            }),
          );
        for (let i = 0; i < n; i++) yield* q.put(i);
        for (let k = 0; k < 4; k++) yield* q.put(STOP);
        yield* q.join();
        let total = 0;
        for (const w of workers) total += yield* w;
        return total;
      }),
    (n) => (n * (n - 1)) / 2,
  ],
};

const [defaultN, fn, expected] = workloads[which];
const n = nArg === undefined ? defaultN : Number(nArg);
for (let r = 0; r < Number(roundsArg); r++) {
  const v = await fn(n);
  if (v !== expected(n)) throw new Error(`${which}: got ${v}, want ${expected(n)}`);
}
