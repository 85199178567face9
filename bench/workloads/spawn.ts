// spawn: what a task costs. One parent starts 100,000 tasks that each yield once and then count
// themselves done, then joins them one by one. Measured: ns per task (total / 100,000), so task
// creation, first scheduling, one suspension, completion and join all count, and so does the GC
// work that 100,000 live task objects cause — the cost a server pays per request or connection.
// Every implementation defines the task body once and starts it n times (for Effect, one Effect
// value forked n times), so per-task closure allocation is not part of anyone's number.

import type { Task } from "corio";
import type { Fiber as EffectFiber } from "effect/Fiber";
import type { Task as EffectionTask } from "effection";
import { defineWorkload, measureThroughput, strictModule } from "../harness.js";

type Bench = (tasks: number) => Promise<number>;

export default defineWorkload<Bench>({
  name: "spawn",
  title: "100,000 tasks spawned by one parent, each yielding once, all joined",
  unit: "ns/task",
  impls: {
    async native() {
      return async (n) => {
        let done = 0;
        const body = async () => {
          await null;
          done++;
        };
        const tasks: Promise<void>[] = [];
        for (let i = 0; i < n; i++) tasks.push(body());
        for (const t of tasks) await t;
        return done;
      };
    },

    async corio() {
      const { run, spawn, yieldNow } = strictModule(await import("corio"), "corio");
      return (n) =>
        run(function* () {
          let done = 0;
          const body = function* () {
            yield* yieldNow();
            done++;
          };
          const tasks: Task<void>[] = [];
          for (let i = 0; i < n; i++) tasks.push(spawn(body));
          for (const t of tasks) yield* t;
          return done;
        });
    },

    async effection() {
      const { run, spawn } = await import("effection");
      const { YIELD } = await import("../peers/effection.js");
      return (n) =>
        run(function* () {
          let done = 0;
          const body = function* () {
            yield* YIELD;
            done++;
          };
          const tasks: EffectionTask<void>[] = [];
          for (let i = 0; i < n; i++) tasks.push(yield* spawn(body));
          for (const t of tasks) yield* t;
          return done;
        });
    },

    async effect() {
      const { Effect, Fiber } = await import("effect");
      return (n) =>
        Effect.runPromise(
          Effect.gen(function* () {
            let done = 0;
            const body = Effect.gen(function* () {
              yield* Effect.yieldNow;
              done++;
            });
            const fibers: EffectFiber<void>[] = [];
            for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkChild(body));
            for (const f of fibers) yield* Fiber.join(f);
            return done;
          }),
        );
    },
  },

  measure: (bench, opts) =>
    measureThroughput(bench, { size: 100_000, ops: (n) => n, expected: (n) => n }, opts),
});
