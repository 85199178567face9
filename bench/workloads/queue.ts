// queue: an asyncio-style work queue. One producer puts 200,000 jobs (numbers) into a queue bounded
// at 64; four workers take jobs and add them up until each takes a stop marker (-1). Measured: ns
// per job — put + get with several getters parked on an empty queue and the producer parked on a
// full one, so most items and slots change hands through a reservation and a wake-up. corio also
// marks each job done (`taskDone`) and the producer waits for `join()`, as asyncio code does.
// Peers: native is NativeChannel (peers/native.ts), one channel shared by the workers. Effection 4
// has no bounded queue: `createQueue` is unbounded (an `add` never waits), so its number is not
// like for like; its producer yields (peers/effection.ts's YIELD) after each `add`, because its
// queue `unshift`s and a producer that runs far ahead goes quadratic. Effect: `Queue.bounded(64)`.

import type { Task } from "corio";
import { defineWorkload, measureThroughput, strictModule } from "../harness.js";
import { NativeChannel } from "../peers/native.js";

const MAXSIZE = 64;
const WORKERS = 4;
const STOP = -1;

/** Puts 0..n-1 and WORKERS stop markers; returns the sum of what the workers took. */
type Bench = (jobs: number) => Promise<number>;

export default defineWorkload<Bench>({
  name: "queue",
  title: "200,000 jobs, one producer -> 4 workers, work queue bounded at 64",
  unit: "ns/job",
  impls: {
    async native() {
      return async (n) => {
        const q = new NativeChannel<number>(MAXSIZE);
        const worker = async () => {
          let sum = 0;
          for (;;) {
            const r = await q.recv();
            if (r.done || r.value === STOP) return sum;
            sum += r.value;
          }
        };
        const producer = async () => {
          for (let i = 0; i < n; i++) await q.send(i);
          for (let w = 0; w < WORKERS; w++) await q.send(STOP);
        };
        const p = producer();
        const sums = await Promise.all(Array.from({ length: WORKERS }, worker));
        await p;
        return sums.reduce((a, b) => a + b, 0);
      };
    },

    async corio() {
      const { run, spawn, Queue } = strictModule(await import("corio"), "corio");
      return (n) =>
        run(function* () {
          const q = new Queue<number>(MAXSIZE);
          const workers: Task<number>[] = [];
          for (let w = 0; w < WORKERS; w++) {
            workers.push(
              spawn(function* () {
                let sum = 0;
                for (;;) {
                  const job = yield* q.get();
                  q.taskDone();
                  if (job === STOP) return sum;
                  sum += job;
                }
              }),
            );
          }
          for (let i = 0; i < n; i++) yield* q.put(i);
          for (let w = 0; w < WORKERS; w++) yield* q.put(STOP);
          yield* q.join();
          let total = 0;
          for (const w of workers) total += yield* w;
          return total;
        });
    },

    async effection() {
      const { run, spawn, createQueue } = await import("effection");
      const { YIELD } = await import("../peers/effection.js");
      return (n) =>
        run(function* () {
          const q = createQueue<number, void>();
          const workers = [];
          for (let w = 0; w < WORKERS; w++) {
            workers.push(
              yield* spawn(function* () {
                let sum = 0;
                for (;;) {
                  const r = yield* q.next();
                  if (r.done || r.value === STOP) return sum;
                  sum += r.value;
                }
              }),
            );
          }
          for (let i = 0; i < n; i++) {
            q.add(i);
            yield* YIELD;
          }
          for (let w = 0; w < WORKERS; w++) q.add(STOP);
          let total = 0;
          for (const w of workers) total += yield* w;
          return total;
        });
    },

    async effect() {
      const { Effect, Fiber, Queue } = await import("effect");
      return (n) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const q = yield* Queue.bounded<number>(MAXSIZE);
            const worker = Effect.gen(function* () {
              let sum = 0;
              for (;;) {
                const job = yield* Queue.take(q);
                if (job === STOP) return sum;
                sum += job;
              }
            });
            const fibers = [];
            for (let w = 0; w < WORKERS; w++) fibers.push(yield* Effect.forkChild(worker));
            for (let i = 0; i < n; i++) yield* Queue.offer(q, i);
            for (let w = 0; w < WORKERS; w++) yield* Queue.offer(q, STOP);
            let total = 0;
            for (const f of fibers) total += yield* Fiber.join(f);
            return total;
          }),
        );
    },
  },

  measure: (bench, opts) =>
    measureThroughput(
      bench,
      { size: 200_000, ops: (n) => n, expected: (n) => (n * (n - 1)) / 2 },
      opts,
    ),
});
