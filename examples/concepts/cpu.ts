// When is async worth it? Not for CPU work on the event loop. The same job —
// counting the primes below two million, about half a second of pure CPU —
// three ways, while a probe task asks for a 5 ms sleep over and over and notes
// how late it wakes: what every other task (a server's other requests) feels.
// 1. In one step: the loop is blocked for the whole job.
// 2. In chunks, with `yieldNow()` between them: the probe runs between chunks.
// 3. On a worker thread with `runInWorker`: the loop stays free.
// Run with --ms to see the measured milliseconds.
import { type Coroutine, run, sleep, spawn, yieldNow } from "corio";
import { runInWorker } from "corio/worker";
import { countPrimesIn } from "./jobs/primes.ts";

const N = 2_000_000;
const CHUNK = 2_000; // a fraction of a millisecond of work each
const job = new URL("./jobs/primes.ts", import.meta.url);

const ways: Record<string, () => Coroutine<number>> = {
  *"one step"() {
    return countPrimesIn(0, N);
  },
  *"chunks + yieldNow"() {
    let count = 0;
    for (let from = 0; from < N; from += CHUNK) {
      count += countPrimesIn(from, from + CHUNK);
      yield* yieldNow(); // let the other tasks run between chunks
    }
    return count;
  },
  *runInWorker() {
    return yield* runInWorker<number>(job, "countPrimesIn", [0, N]);
  },
};

function* probe(delays: number[]) {
  for (;;) {
    const asked = performance.now();
    yield* sleep(5);
    delays.push(performance.now() - asked - 5);
  }
}

// Timings vary from machine to machine (and run to run); whether the probe ran
// while the job did does not. --ms adds the figures.
const exact = process.argv.includes("--ms");

await run(function* () {
  for (const [way, body] of Object.entries(ways)) {
    const delays: number[] = [];
    const prober = spawn(probe(delays), { name: "probe" });
    yield* sleep(20); // the probe is running
    const before = delays.length;
    const started = performance.now();
    const primes = yield* body();
    const took = performance.now() - started;
    const during = delays.length - before; // probe wake-ups while the job ran
    yield* sleep(20); // the probe's last sleep ends (as late as it ends)
    prober.cancel();
    const figures = exact
      ? ` (job ${took.toFixed(0)} ms, ${during} wake-ups, worst delay ${Math.max(...delays).toFixed(0)} ms)`
      : "";
    console.log(
      `${way}: ${primes} primes; the probe ${during === 0 ? "never ran while the job ran" : "kept running beside the job"}${figures}`,
    );
  }
});
