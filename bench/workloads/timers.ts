// timers: many concurrent sleeps. 100,000 tasks each sleep a pseudo-random 0–500 ms (the same
// seeded sequence for every implementation) and are all joined. Measured: total wall time,
// overhead = total − 500 ms (spawning, timer bookkeeping and wake-ups; 0 would be a perfect timer
// system), and the process's peak RSS — what a server with 100,000 pending timeouts pays.
// One timed run per process (peak RSS is per process), after a small warm-up run (1,000 tasks, so
// the number is close to cold). Two shapes, each its own workload (DESIGN.md, "Measure the code
// people write"): `timers` starts each task from a closure written inline over its delay
// (`spawn(function* () { yield* sleep(ms); ... })`, `(async () => {...})()`), `timers-shared` calls
// one function with the delay (`spawn(nap(ms))`, `nap(ms)`). Effection spawns a closure in both
// (its spawn takes an operation factory); Effect forks `sleep(ms)` followed by one shared counting
// effect in both.

import type { Task } from "corio";
import type { Fiber as EffectFiber } from "effect/Fiber";
import type { Task as EffectionTask } from "effection";
import {
  defineWorkload,
  delays,
  fullGc,
  MB,
  type Measurement,
  type Shape,
  strictModule,
} from "../harness.js";
import { sleep } from "../peers/native.js";

const TASKS = 100_000;
const MAX_DELAY_MS = 500;

/** Sleeps `delays[i]` ms in task i, joins all, returns how many woke. */
type Bench = (delays: number[]) => Promise<number>;

function timersWorkload(shape: Shape) {
  const closure = shape === "closure";
  return defineWorkload<Bench>({
    name: closure ? "timers" : "timers-shared",
    title: `100,000 tasks each sleeping a seeded-random 0–500 ms, all joined; ${closure ? "a closure per task" : "one shared function"}`,
    unit: "ms overhead",
    extras: [
      { key: "totalMs", label: "total ms" },
      { key: "peakRssMb", label: "peak RSS MB" },
    ],
    impls: {
      async native() {
        return async (ds) => {
          let woke = 0;
          const nap = async (ms: number) => {
            await sleep(ms);
            woke++;
          };
          const tasks: Promise<void>[] = [];
          if (closure) {
            for (const ms of ds)
              tasks.push(
                (async () => {
                  await sleep(ms);
                  woke++;
                })(),
              );
          } else {
            for (const ms of ds) tasks.push(nap(ms));
          }
          for (const t of tasks) await t;
          return woke;
        };
      },

      async corio() {
        const { run, spawn, sleep } = strictModule(await import("corio"), "corio");
        return (ds) =>
          run(function* () {
            let woke = 0;
            const nap = function* (ms: number) {
              yield* sleep(ms);
              woke++;
            };
            const tasks: Task<void>[] = [];
            if (closure) {
              for (const ms of ds)
                tasks.push(
                  spawn(function* () {
                    yield* sleep(ms);
                    woke++;
                  }),
                );
            } else {
              for (const ms of ds) tasks.push(spawn(nap(ms)));
            }
            for (const t of tasks) yield* t;
            return woke;
          });
      },

      async effection() {
        const { run, spawn, sleep } = await import("effection");
        return (ds) =>
          run(function* () {
            let woke = 0;
            const nap = function* (ms: number) {
              yield* sleep(ms);
              woke++;
            };
            const tasks: EffectionTask<void>[] = [];
            for (const ms of ds) tasks.push(yield* spawn(() => nap(ms)));
            for (const t of tasks) yield* t;
            return woke;
          });
      },

      async effect() {
        const { Effect, Fiber } = await import("effect");
        return (ds) =>
          Effect.runPromise(
            Effect.gen(function* () {
              let woke = 0;
              const count = Effect.sync(() => {
                woke++;
              });
              const fibers: EffectFiber<void>[] = [];
              for (const ms of ds) {
                fibers.push(yield* Effect.forkChild(Effect.andThen(Effect.sleep(ms), count)));
              }
              for (const f of fibers) yield* Fiber.join(f);
              return woke;
            }),
          );
      },
    },

    async measure(bench, opts): Promise<Measurement> {
      const n = opts.quick ? TASKS / 10 : TASKS;
      const warm = await bench(delays(1_000, 20, 1));
      if (warm !== 1_000) throw new Error(`warm-up: ${warm} of 1000 tasks woke`);
      const ds = delays(n, MAX_DELAY_MS);
      fullGc();
      const t0 = performance.now();
      const woke = await bench(ds);
      const totalMs = performance.now() - t0;
      if (woke !== n) throw new Error(`${woke} of ${n} tasks woke`);
      // maxRSS is in kilobytes: the high-water mark of the whole process, start-up included.
      const peakRssMb = (process.resourceUsage().maxRSS * 1024) / MB;
      const overhead = totalMs - MAX_DELAY_MS;
      return { value: overhead, samples: [overhead], extra: { totalMs, peakRssMb } };
    },
  });
}

export const timersClosure = timersWorkload("closure");
export const timersShared = timersWorkload("shared");
