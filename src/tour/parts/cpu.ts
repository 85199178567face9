/** Part 7: CPU work blocks every task on the loop; `runInWorker` moves it to a thread. */
import { type Coroutine, sleep, spawn } from "../../index.js";
import { runInWorker } from "../../worker/index.js";
import type { Part } from "../kit.js";
import { countPrimes } from "./cpu-job.js";

const N = 1_200_000; // about 250 ms of CPU
// The job's module as a worker thread imports it: the .js beside this file when built.
const JOB = new URL(`./cpu-job${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/** Ticks every 20 ms until cancelled, noting how late each tick came. */
function* ticker(late: number[]): Coroutine<void> {
  for (;;) {
    const asked = performance.now();
    yield* sleep(20);
    late.push(performance.now() - asked - 20);
  }
}

export const cpu: Part = {
  title: "7. CPU work and threads",
  intro:
    "One thread runs every task, so a task that computes without waiting holds up all the " +
    "others. The same job (count the primes below 1.2 million) twice, beside a ticker that " +
    "wants to run every 20 ms: first in the task itself, then on a worker thread.",
  async run({ p, runtime, timeline }) {
    p.code(
      "on the loop:  const n = countPrimes(1_200_000);\n" +
        'in a worker:  const n = yield* runInWorker(new URL("./cpu-job.js", import.meta.url), "countPrimes", [1_200_000]);',
    );
    p.line();
    const runs: { label: string; rt: ReturnType<typeof runtime> }[] = [];
    for (const where of ["on the loop", "in a worker"] as const) {
      const rt = runtime(where);
      const late: number[] = [];
      let primes = 0;
      let took = 0;
      rt.spawn(
        function* () {
          const tick = spawn(ticker(late), { name: "ticker" });
          yield* sleep(60);
          const job = spawn(
            function* (): Coroutine<void> {
              const start = performance.now();
              primes =
                where === "on the loop"
                  ? countPrimes(N)
                  : yield* runInWorker<number>(JOB, "countPrimes", [N]);
              took = performance.now() - start;
            },
            { name: "job" },
          );
          yield* job;
          yield* sleep(60);
          tick.cancel();
        },
        { name: "main" },
      );
      await rt.run();
      const worst = Math.max(...late);
      p.line(
        `  ${where}: ${primes} primes in ${took.toFixed(0)} ms; the ticker's worst delay ${p.bold(`${worst.toFixed(0)} ms`)}`,
      );
      runs.push({ label: where, rt });
    }
    p.line();
    const scale = 600; // ms: both runs on one time axis
    for (const { label, rt } of runs) {
      p.line(`  ${label}:`);
      timeline(rt, { durationMs: scale });
    }
    p.line();
    p.notice(
      "on the loop, the job is one long step (█) and the ticker has no step while it runs: " +
        "its timer is due, but nothing else can run until the step ends. In a worker, the job task just waits (─) and " +
        "the ticker keeps its beat. For many such requests on every core, run N copies of a " +
        "server: corio run --workers N app.ts. See docs/workers.md.",
    );
  },
};
