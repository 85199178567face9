// memory: what an idle task weighs. 100,000 tasks each park on a 60 s sleep; once all are parked,
// the heap is measured after a full GC and compared with a measurement taken (also after a full
// GC) just before spawning. Measured: heap bytes per parked task (task object, coroutine frame,
// timer entry, handle kept by the parent), plus RSS growth and the time to cancel them all.
// Two shapes, each its own workload: `memory` starts each task from a closure written inline
// (what users write; the closure and its prototype object are part of the task's weight),
// `memory-shared` starts one shared body n times.
// Native's "task" is one pending async call awaiting a promise + setTimeout; it cannot be
// cancelled, so native reports no cancel time and the process just exits.

import type { Task } from "corio";
import type { Fiber as EffectFiber } from "effect/Fiber";
import type { Task as EffectionTask } from "effection";
import {
  defineWorkload,
  fullGc,
  MB,
  type Measurement,
  type Shape,
  strictModule,
} from "../harness.js";
import { sleep } from "../peers/native.js";

const TASKS = 100_000;
const PARK_MS = 60_000;

/**
 * Spawns `n` tasks that each count themselves parked and sleep PARK_MS; calls `mark()` just before
 * spawning and again once all are parked (the root polls the count every millisecond), then
 * returns the count, cancelling the sleepers where the library can (structured teardown).
 */
type Bench = (n: number, mark: () => void) => Promise<number>;

function memoryWorkload(shape: Shape) {
  const closure = shape === "closure";
  return defineWorkload<Bench>({
    name: closure ? "memory" : "memory-shared",
    title: `100,000 idle tasks parked on a 60 s sleep; ${closure ? "a closure per task" : "one shared function"}`,
    unit: "bytes/task",
    extras: [
      { key: "rssMb", label: "RSS growth MB" },
      { key: "cancelMs", label: "cancel ms" },
    ],
    impls: {
      async native() {
        return async (n, mark) => {
          let parked = 0;
          const body = async () => {
            parked++;
            await sleep(PARK_MS);
          };
          mark();
          const tasks: Promise<void>[] = [];
          if (closure) {
            for (let i = 0; i < n; i++)
              tasks.push(
                (async () => {
                  parked++;
                  await sleep(PARK_MS);
                })(),
              );
          } else {
            for (let i = 0; i < n; i++) tasks.push(body());
          }
          while (parked < n) await sleep(1);
          mark();
          return tasks.length === n ? parked : -1;
        };
      },

      async corio() {
        const { run, spawn, sleep } = strictModule(await import("corio"), "corio");
        return (n, mark) =>
          run(function* () {
            let parked = 0;
            const body = function* () {
              parked++;
              yield* sleep(PARK_MS);
            };
            mark();
            const tasks: Task<void>[] = [];
            if (closure) {
              for (let i = 0; i < n; i++)
                tasks.push(
                  spawn(function* () {
                    parked++;
                    yield* sleep(PARK_MS);
                  }),
                );
            } else {
              for (let i = 0; i < n; i++) tasks.push(spawn(body));
            }
            while (parked < n) yield* sleep(1);
            mark();
            return tasks.length === n ? parked : -1;
          });
      },

      async effection() {
        const { run, spawn, sleep } = await import("effection");
        return (n, mark) =>
          run(function* () {
            let parked = 0;
            const body = function* () {
              parked++;
              yield* sleep(PARK_MS);
            };
            mark();
            const tasks: EffectionTask<void>[] = [];
            for (let i = 0; i < n; i++)
              tasks.push(
                yield* spawn(
                  closure
                    ? function* () {
                        parked++;
                        yield* sleep(PARK_MS);
                      }
                    : body,
                ),
              );
            while (parked < n) yield* sleep(1);
            mark();
            return tasks.length === n ? parked : -1;
          });
      },

      async effect() {
        const { Effect } = await import("effect");
        return (n, mark) =>
          Effect.runPromise(
            Effect.gen(function* () {
              let parked = 0;
              const body = Effect.gen(function* () {
                parked++;
                yield* Effect.sleep(PARK_MS);
              });
              mark();
              const fibers: EffectFiber<void>[] = [];
              for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkChild(body));
              while (parked < n) yield* Effect.sleep(1);
              mark();
              return fibers.length === n ? parked : -1;
            }),
          );
      },
    },

    async measure(bench, opts): Promise<Measurement> {
      const n = opts.quick ? TASKS / 10 : TASKS;
      const marks: { heap: number; rss: number; at: number }[] = [];
      const mark = () => {
        fullGc();
        const { heapUsed, rss } = process.memoryUsage();
        marks.push({ heap: heapUsed, rss, at: performance.now() });
      };
      const parked = await bench(n, mark);
      const end = performance.now();
      if (parked !== n || marks.length !== 2) {
        throw new Error(`${parked} of ${n} tasks parked (${marks.length} marks)`);
      }
      const [before, after] = marks;
      const bytesPerTask = (after.heap - before.heap) / n;
      const extra: Record<string, number> = { rssMb: (after.rss - before.rss) / MB };
      if (opts.impl !== "native") extra.cancelMs = end - after.at;
      return { value: bytesPerTask, samples: [bytesPerTask], extra };
    },
  });
}

export const memoryClosure = memoryWorkload("closure");
export const memoryShared = memoryWorkload("shared");
