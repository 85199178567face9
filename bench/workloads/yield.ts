// yield: what a context switch costs. 1,000 tasks each yield 1,000 times to the back of the
// scheduler's queue, so every resume switches to another task. Measured: ns per switch (total /
// 1,000,000) — the executor's per-step overhead, which every await in every task pays.
// Native: `await null` (one microtask hop). corio: `yieldNow()`. Effection: an action that resolves
// at once (see peers/effection.ts: it re-enqueues at the back of Effection's run queue; `sleep(0)`
// would measure setTimeout). Effect: `Effect.yieldNow` (its scheduler batches via setImmediate).

import type { Task } from "corio";
import type { Fiber as EffectFiber } from "effect/Fiber";
import type { Task as EffectionTask } from "effection";
import { COLD, defineWorkload, measureThroughput, strictModule } from "../harness.js";

const TASKS = 1_000;

type Bench = (switches: number) => Promise<number>;

export default defineWorkload<Bench>({
  name: "yield",
  title: "1,000 tasks x 1,000 yields to the back of the run queue",
  unit: "ns/switch",
  extras: [COLD],
  impls: {
    async native() {
      return async (n) => {
        const perTask = n / TASKS;
        let switches = 0;
        const body = async () => {
          for (let i = 0; i < perTask; i++) {
            await null;
            switches++;
          }
        };
        const tasks: Promise<void>[] = [];
        for (let i = 0; i < TASKS; i++) tasks.push(body());
        for (const t of tasks) await t;
        return switches;
      };
    },

    async corio() {
      const { run, spawn, yieldNow } = strictModule(await import("corio"), "corio");
      return (n) =>
        run(function* () {
          const perTask = n / TASKS;
          let switches = 0;
          const body = function* () {
            for (let j = 0; j < perTask; j++) {
              yield* yieldNow();
              switches++;
            }
          };
          const tasks: Task<void>[] = [];
          for (let i = 0; i < TASKS; i++) tasks.push(spawn(body));
          for (const t of tasks) yield* t;
          return switches;
        });
    },

    async effection() {
      const { run, spawn } = await import("effection");
      const { YIELD } = await import("../peers/effection.js");
      return (n) =>
        run(function* () {
          const perTask = n / TASKS;
          let switches = 0;
          const body = function* () {
            for (let j = 0; j < perTask; j++) {
              yield* YIELD;
              switches++;
            }
          };
          const tasks: EffectionTask<void>[] = [];
          for (let i = 0; i < TASKS; i++) tasks.push(yield* spawn(body));
          for (const t of tasks) yield* t;
          return switches;
        });
    },

    async effect() {
      const { Effect, Fiber } = await import("effect");
      return (n) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const perTask = n / TASKS;
            let switches = 0;
            const body = Effect.gen(function* () {
              for (let j = 0; j < perTask; j++) {
                yield* Effect.yieldNow;
                switches++;
              }
            });
            const fibers: EffectFiber<void>[] = [];
            for (let i = 0; i < TASKS; i++) fibers.push(yield* Effect.forkChild(body));
            for (const f of fibers) yield* Fiber.join(f);
            return switches;
          }),
        );
    },
  },

  measure: (bench, opts) =>
    measureThroughput(bench, { size: 1_000_000, ops: (n) => n, expected: (n) => n }, opts),
});
