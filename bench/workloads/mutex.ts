// mutex: a contended lock. 100 tasks each take a mutex 1,000 times; inside the critical section
// a task reads a shared counter, yields, and writes counter + 1 — so the lock is held across a
// suspension, all other tasks queue up behind it, and a broken mutex shows up as a wrong count.
// Measured: ns per lock (total / 100,000): lock, hand-off to the next waiter, wake-up, one yield.
// Peers: native is NativeMutex (peers/native.ts) with try/finally; Effection 4 has no mutex, so
// EffectionMutex (peers/effection.ts) is built on `action`; Effect 4 has no `makeSemaphore` —
// `Semaphore.make(1)` with `withPermit`, its idiomatic guarded critical section.

import type { Task } from "corio";
import type { Fiber as EffectFiber } from "effect/Fiber";
import type { Task as EffectionTask } from "effection";
import { COLD, defineWorkload, measureThroughput, strictModule } from "../harness.js";
import { NativeMutex } from "../peers/native.js";

const TASKS = 100;

/** `locks` lock/unlock pairs spread over TASKS tasks; returns the shared counter (= locks). */
type Bench = (locks: number) => Promise<number>;

export default defineWorkload<Bench>({
  name: "mutex",
  title: "100 tasks x 1,000 lock/unlock, yielding inside the critical section",
  unit: "ns/lock",
  extras: [COLD],
  impls: {
    async native() {
      return async (n) => {
        const perTask = n / TASKS;
        const m = new NativeMutex();
        let counter = 0;
        const task = async () => {
          for (let i = 0; i < perTask; i++) {
            await m.lock();
            try {
              const v = counter;
              await null;
              counter = v + 1;
            } finally {
              m.unlock();
            }
          }
        };
        const tasks: Promise<void>[] = [];
        for (let i = 0; i < TASKS; i++) tasks.push(task());
        for (const t of tasks) await t;
        return counter;
      };
    },

    async corio() {
      const { run, spawn, yieldNow, Mutex } = strictModule(await import("corio"), "corio");
      return (n) =>
        run(function* () {
          const perTask = n / TASKS;
          const m = new Mutex();
          let counter = 0;
          const tasks: Task<void>[] = [];
          for (let i = 0; i < TASKS; i++) {
            tasks.push(
              spawn(function* () {
                for (let j = 0; j < perTask; j++) {
                  const guard = yield* m.lock();
                  try {
                    const v = counter;
                    yield* yieldNow();
                    counter = v + 1;
                  } finally {
                    guard.release();
                  }
                }
              }),
            );
          }
          for (const t of tasks) yield* t;
          return counter;
        });
    },

    async effection() {
      const { run, spawn } = await import("effection");
      const { EffectionMutex, YIELD } = await import("../peers/effection.js");
      return (n) =>
        run(function* () {
          const perTask = n / TASKS;
          const m = new EffectionMutex();
          let counter = 0;
          const tasks: EffectionTask<void>[] = [];
          for (let i = 0; i < TASKS; i++) {
            tasks.push(
              yield* spawn(function* () {
                for (let j = 0; j < perTask; j++) {
                  yield* m.lock();
                  try {
                    const v = counter;
                    yield* YIELD;
                    counter = v + 1;
                  } finally {
                    m.unlock();
                  }
                }
              }),
            );
          }
          for (const t of tasks) yield* t;
          return counter;
        });
    },

    async effect() {
      const { Effect, Fiber, Semaphore } = await import("effect");
      return (n) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const perTask = n / TASKS;
            const sem = yield* Semaphore.make(1);
            let counter = 0;
            const critical = Effect.gen(function* () {
              const v = counter;
              yield* Effect.yieldNow;
              counter = v + 1;
            });
            const fibers: EffectFiber<void>[] = [];
            for (let i = 0; i < TASKS; i++) {
              fibers.push(
                yield* Effect.forkChild(
                  Effect.gen(function* () {
                    for (let j = 0; j < perTask; j++) yield* sem.withPermit(critical);
                  }),
                ),
              );
            }
            for (const f of fibers) yield* Fiber.join(f);
            return counter;
          }),
        );
    },
  },

  measure: (bench, opts) =>
    measureThroughput(bench, { size: 100_000, ops: (n) => n, expected: (n) => n }, opts),
});
