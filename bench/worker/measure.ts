// One measurement in a fresh process: `measure.ts <case> [--quick]`, run by bench/worker/run.ts,
// which reads back the line that starts with RESULT_TAG. Cases:
//
//   overhead-raw | overhead-piscina | overhead-corio
//       µs per trivial job, one in flight at a time (a round trip to a warm thread): a raw
//       worker_threads postMessage echo, piscina's run() called directly, corio's runInWorker.
//   overhead-alternating
//       piscina and corio in one process, alternating blocks of jobs: corio's CPU time per job
//       over piscina's, with less noise between them than separate processes have.
//   speedup     two CPU jobs of ~0.5 s: in a row on the main thread vs both at once on the default
//               pool (warm, and cold: the first use, which starts the threads).
//   speedup-raw the same two jobs on two raw worker_threads threads: what the machine gives now.
//   latency-worker | latency-raw | latency-loop | latency-idle
//       p99 lateness of a 5 ms ticker (a corio task sleeping 5 ms in a loop) while 50 MB are
//       hashed with sha256: in a corio pool thread with the buffer transferred, in a raw
//       worker_threads thread (transferred too), or in one step on the loop; idle: the same
//       ticker with nothing hashing, the machine's noise floor.

import { once } from "node:events";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { all, type Coroutine, call, run, sleep, spawn } from "corio";
import { runInWorker } from "corio/worker";
import { Piscina } from "piscina";
import { median, RESULT_TAG } from "../harness.js";

const jobs = new URL("./jobs.mjs", import.meta.url);
const quick = process.argv.includes("--quick");
const caseName = process.argv[2];

function report(value: number, extra: Record<string, number> = {}): void {
  process.stdout.write(`${RESULT_TAG}${JSON.stringify({ value, extra })}\n`);
}

const JOBS = quick ? 2_000 : 20_000;

/** CPU time of the whole process (every thread), µs. */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Times `n` sequential round trips after a warm-up of n/10 and reports µs per job: wall time, and
 * the process's CPU time (all threads), which a loaded machine disturbs less.
 */
async function timeRoundTrips(n: number, once: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n / 10; i++) await once(i);
  const t0 = performance.now();
  const c0 = cpuUs();
  for (let i = 0; i < n; i++) {
    if ((await once(i)) !== i) throw new Error("wrong answer");
  }
  report(((performance.now() - t0) * 1000) / n, { cpuUs: (cpuUs() - c0) / n });
}

async function overheadRaw(): Promise<void> {
  const worker = new Worker(new URL("./raw-echo.mjs", import.meta.url));
  await timeRoundTrips(JOBS, (i) => {
    worker.postMessage(i);
    return once(worker, "message").then(([x]) => x);
  });
  await worker.terminate();
}

async function overheadPiscina(): Promise<void> {
  // Configured as corio's pool configures it (no thread kept when idle, 10 s idle timeout), and
  // called as a piscina user would: no abort signal (corio passes one to every job, which it
  // makes cheap; a real AbortSignal costs several µs per job on Node 20).
  const pool = new Piscina({
    filename: jobs.href,
    minThreads: 0,
    maxThreads: availableParallelism(),
    idleTimeout: 10_000,
  });
  await timeRoundTrips(JOBS, (i) => pool.run(i, { name: "echo" }));
  await pool.destroy();
}

async function overheadCorio(): Promise<void> {
  // One corio run, jobs awaited one after another from a coroutine, as a program does.
  await run(function* () {
    const n = JOBS;
    for (let i = 0; i < n / 10; i++) yield* runInWorker(jobs, "echo", [i]);
    const t0 = performance.now();
    const c0 = cpuUs();
    for (let i = 0; i < n; i++) {
      if ((yield* runInWorker(jobs, "echo", [i])) !== i) throw new Error("wrong answer");
    }
    report(((performance.now() - t0) * 1000) / n, { cpuUs: (cpuUs() - c0) / n });
  });
}

/**
 * piscina and corio in one process, alternating blocks of jobs 9 times (the first dropped): the
 * same JIT state, heap and moment of machine noise for both. Reports corio's CPU µs/job ÷
 * piscina's (median over blocks); the extras are each one's median µs/job.
 */
async function overheadAlternating(): Promise<void> {
  const direct = new Piscina({
    filename: jobs.href,
    minThreads: 1,
    maxThreads: availableParallelism(),
    idleTimeout: 10_000,
  });
  const n = JOBS / 2;
  const cpu: [number, number][] = [];
  const wall: [number, number][] = [];
  for (let block = 0; block < 9; block++) {
    const times: number[] = [];
    for (const which of ["piscina", "corio"] as const) {
      const t0 = performance.now();
      const c0 = cpuUs();
      if (which === "piscina") {
        for (let i = 0; i < n; i++) await direct.run(i, { name: "echo" });
      } else {
        await run(function* () {
          for (let i = 0; i < n; i++) yield* runInWorker(jobs, "echo", [i]);
        });
      }
      times.push((cpuUs() - c0) / n, ((performance.now() - t0) * 1000) / n);
    }
    if (block === 0) continue;
    cpu.push([times[0] as number, times[2] as number]);
    wall.push([times[1] as number, times[3] as number]);
  }
  await direct.destroy();
  const col = (xs: [number, number][], k: 0 | 1) => median(xs.map((x) => x[k]));
  report(col(cpu, 1) / col(cpu, 0), {
    piscinaCpuUs: col(cpu, 0),
    corioCpuUs: col(cpu, 1),
    piscinaWallUs: col(wall, 0),
    corioWallUs: col(wall, 1),
  });
}

/** `burn` rounds that take ~0.5 s on this machine's main thread. */
async function calibrate(): Promise<number> {
  const { burn } = (await import(jobs.href)) as { burn: (n: number) => number };
  const probe = 20_000;
  const t0 = performance.now();
  burn(probe);
  const ms = performance.now() - t0;
  return Math.round((probe * (quick ? 100 : 500)) / ms);
}

/** A raw worker_threads thread running jobs.mjs functions: `call(name, args, transfer)`. */
function rawThread() {
  const worker = new Worker(new URL("./raw-call.mjs", import.meta.url));
  return {
    call(name: string, args: unknown[], transfer: ArrayBuffer[] = []): Promise<unknown> {
      worker.postMessage({ name, args }, transfer);
      return once(worker, "message").then(([x]) => x);
    },
    stop: () => worker.terminate(),
  };
}

/** The same two jobs on two raw worker_threads threads: what the machine allows right now. */
async function speedupRaw(): Promise<void> {
  const rounds = await calibrate();
  const { burn } = (await import(jobs.href)) as { burn: (n: number) => number };
  const threads = [rawThread(), rawThread()];
  const both = () => Promise.all(threads.map((t) => t.call("burn", [rounds])));
  let t0 = performance.now();
  await both();
  const coldMs = performance.now() - t0;
  t0 = performance.now();
  await both();
  const warmMs = performance.now() - t0;
  t0 = performance.now();
  burn(rounds);
  burn(rounds);
  const inARowMs = performance.now() - t0;
  await Promise.all(threads.map((t) => t.stop()));
  report(inARowMs / warmMs, { inARowMs, warmMs, coldMs, coldSpeedup: inARowMs / coldMs });
}

async function speedup(): Promise<void> {
  const rounds = await calibrate();
  const { burn } = (await import(jobs.href)) as { burn: (n: number) => number };
  // On the default pool (availableParallelism() threads), as runInWorker users get it.
  const both = (): Coroutine<unknown> =>
    all([runInWorker(jobs, "burn", [rounds]), runInWorker(jobs, "burn", [rounds])]);
  const [coldMs, warmMs] = await run(function* () {
    let t0 = performance.now();
    yield* both();
    const cold = performance.now() - t0;
    t0 = performance.now();
    yield* both();
    return [cold, performance.now() - t0];
  });
  const t0 = performance.now();
  burn(rounds);
  burn(rounds);
  const inARowMs = performance.now() - t0;
  report(inARowMs / warmMs, { inARowMs, warmMs, coldMs, coldSpeedup: inARowMs / coldMs });
}

const HASH_MB = 50;
const HASHES = quick ? 2 : 5;

async function latency(where: "worker" | "raw" | "loop" | "idle"): Promise<void> {
  const { sha256 } = (await import(jobs.href)) as { sha256: (b: ArrayBuffer) => string };
  const raw = where === "raw" ? rawThread() : null;
  if (raw !== null) await raw.call("echo", [0]);
  const lateness: number[] = [];
  let hashMs = 0;
  await run(function* () {
    let hashing = true;
    const ticker = spawn(function* () {
      while (hashing) {
        const t0 = performance.now();
        yield* sleep(5);
        lateness.push(performance.now() - t0 - 5);
      }
    });
    if (where === "worker") yield* runInWorker(jobs, "echo", [0]); // a warm thread
    // The buffers are filled before the ticker's samples count: filling 50 MB is itself a
    // ~30 ms step on the loop, which is not what is measured.
    const buffers = Array.from(
      { length: HASHES },
      (_, i) => new Uint8Array(HASH_MB * 1024 * 1024).fill(i).buffer,
    );
    yield* sleep(50);
    lateness.length = 0;
    for (const buffer of buffers) {
      const t0 = performance.now();
      if (where === "worker") {
        yield* runInWorker(jobs, "sha256", [buffer], { transfer: [buffer] });
      } else if (raw !== null) {
        yield* call(raw.call("sha256", [buffer], [buffer]));
      } else if (where === "loop") {
        sha256(buffer);
      } else {
        yield* sleep(200); // no hashing: the machine's own noise floor for the ticker
      }
      hashMs += performance.now() - t0;
      yield* sleep(20);
    }
    hashing = false;
    yield* ticker;
  });
  await raw?.stop();
  const sorted = [...lateness].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] as number;
  report(p99, {
    p50: median(sorted),
    max: sorted[sorted.length - 1] as number,
    ticks: sorted.length,
    hashMs: hashMs / HASHES,
  });
}

async function main(): Promise<void> {
  switch (caseName) {
    case "overhead-raw":
      return overheadRaw();
    case "overhead-piscina":
      return overheadPiscina();
    case "overhead-corio":
      return overheadCorio();
    case "overhead-alternating":
      return overheadAlternating();
    case "speedup":
      return speedup();
    case "speedup-raw":
      return speedupRaw();
    case "latency-raw":
      return latency("raw");
    case "latency-worker":
      return latency("worker");
    case "latency-loop":
      return latency("loop");
    case "latency-idle":
      return latency("idle");
    default:
      throw new Error(`unknown case ${caseName}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
