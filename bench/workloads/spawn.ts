// spawn: what a task costs. One parent starts 100,000 tasks that each yield once and then count
// themselves done, then joins them one by one. Measured: ns per task (total / 100,000), so task
// creation, first scheduling, one suspension, completion and join all count, and so does the GC
// work that 100,000 live task objects cause — the cost a server pays per request or connection.
//
// Two shapes (see DESIGN.md, "Measure the code people write"), each its own workload:
// - `spawn` (closure): the body written inline, a fresh closure per task — `spawn(function* () {...})`,
//   `(async () => {...})()`, `spawn(function* () {...})` in Effection, `Effect.gen(...)` per fork.
// - `spawn-shared`: one function defined once and called with the task's argument —
//   `spawn(body(i))`, `body(i)`, Effection `spawn(() => body(i))` (it takes only operations'
//   factories), Effect `forkChild(body(i))` with `body` returning a fresh `Effect.gen`.
// Both report warm (the median of the timed runs) and cold (the first full-size run in the
// process) ns/task.

import type { Task } from "corio";
import type { Fiber as EffectFiber } from "effect/Fiber";
import type { Task as EffectionTask } from "effection";
import { COLD, defineWorkload, measureThroughput, type Shape, strictModule } from "../harness.js";

type Bench = (tasks: number) => Promise<number>;

function spawnWorkload(shape: Shape) {
  const closure = shape === "closure";
  return defineWorkload<Bench>({
    name: closure ? "spawn" : "spawn-shared",
    title: closure
      ? "100,000 tasks spawned by one parent, each yielding once, all joined; a closure per task"
      : "100,000 tasks spawned by one parent, each yielding once, all joined; one shared function",
    unit: "ns/task",
    extras: [COLD],
    impls: {
      async native() {
        return async (n) => {
          let done = 0;
          const body = async (i: number) => {
            await null;
            done += i >= 0 ? 1 : 0;
          };
          const tasks: Promise<void>[] = [];
          if (closure) {
            for (let i = 0; i < n; i++)
              tasks.push(
                (async () => {
                  await null;
                  done++;
                })(),
              );
          } else {
            for (let i = 0; i < n; i++) tasks.push(body(i));
          }
          for (const t of tasks) await t;
          return done;
        };
      },

      async corio() {
        const { run, spawn, yieldNow } = strictModule(await import("corio"), "corio");
        return (n) =>
          run(function* () {
            let done = 0;
            const body = function* (i: number) {
              yield* yieldNow();
              done += i >= 0 ? 1 : 0;
            };
            const tasks: Task<void>[] = [];
            if (closure) {
              for (let i = 0; i < n; i++)
                tasks.push(
                  spawn(function* () {
                    yield* yieldNow();
                    done++;
                  }),
                );
            } else {
              for (let i = 0; i < n; i++) tasks.push(spawn(body(i)));
            }
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
            const body = function* (i: number) {
              yield* YIELD;
              done += i >= 0 ? 1 : 0;
            };
            const tasks: EffectionTask<void>[] = [];
            if (closure) {
              for (let i = 0; i < n; i++)
                tasks.push(
                  yield* spawn(function* () {
                    yield* YIELD;
                    done++;
                  }),
                );
            } else {
              for (let i = 0; i < n; i++) tasks.push(yield* spawn(() => body(i)));
            }
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
              const body = (i: number) =>
                Effect.gen(function* () {
                  yield* Effect.yieldNow;
                  done += i >= 0 ? 1 : 0;
                });
              const fibers: EffectFiber<void>[] = [];
              for (let i = 0; i < n; i++) {
                const effect = closure
                  ? Effect.gen(function* () {
                      yield* Effect.yieldNow;
                      done++;
                    })
                  : body(i);
                fibers.push(yield* Effect.forkChild(effect));
              }
              for (const f of fibers) yield* Fiber.join(f);
              return done;
            }),
          );
      },
    },

    measure: (bench, opts) =>
      measureThroughput(bench, { size: 100_000, ops: (n) => n, expected: (n) => n }, opts),
  });
}

export const spawnClosure = spawnWorkload("closure");
export const spawnShared = spawnWorkload("shared");
