// Shared pieces of the benchmark harness: the workload shape, in-process timing, statistics, the
// seeded PRNG. Everything here runs inside a worker process (one workload x one implementation);
// run.ts drives the workers and aggregates across rounds.

export const IMPL_NAMES = ["native", "corio", "effection", "effect"] as const;
export type ImplName = (typeof IMPL_NAMES)[number];

export interface MeasureOptions {
  impl: ImplName;
  /** Sizes divided by 10 and a single timed iteration: a smoke test, not a measurement. */
  quick: boolean;
}

/** What a worker reports for one workload x implementation (one round). */
export interface Measurement {
  /** The workload's primary metric (its `unit`); lower is better. */
  value: number;
  /** The primary metric of each timed inner iteration, when there are several. */
  samples: number[];
  /** Secondary metrics, keyed as in the workload's `extras`. */
  extra: Record<string, number>;
}

/** The line a worker prints for run.ts: RESULT_TAG followed by a WorkerReport as JSON. */
export const RESULT_TAG = "@@corio-bench ";

export type WorkerReport =
  | { status: "ok"; measurement: Measurement }
  | { status: "skipped"; reason: string }
  | { status: "error"; reason: string };

export interface Extra {
  key: string;
  label: string;
}

/** A workload as the worker and the runner see it; `defineWorkload` builds one. */
export interface Workload {
  name: string;
  title: string;
  unit: string;
  extras: Extra[];
  /** Loads the implementation's library (throws LoadError if it cannot) and measures it. */
  run(opts: MeasureOptions): Promise<Measurement>;
}

export interface WorkloadSpec<Bench> {
  name: string;
  title: string;
  unit: string;
  extras?: Extra[];
  /** Each implementation: load its library, return the function the workload's `measure` drives. */
  impls: Record<ImplName, () => Promise<Bench>>;
  measure(bench: Bench, opts: MeasureOptions): Promise<Measurement>;
}

/** The implementation's library could not be loaded (corio not built yet, say): skip, not fail. */
export class LoadError extends Error {
  override name = "LoadError";
}

export function defineWorkload<Bench>(spec: WorkloadSpec<Bench>): Workload {
  return {
    name: spec.name,
    title: spec.title,
    unit: spec.unit,
    extras: spec.extras ?? [],
    async run(opts) {
      let bench: Bench;
      try {
        bench = await spec.impls[opts.impl]();
      } catch (error) {
        throw new LoadError(error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      }
      return spec.measure(bench, opts);
    },
  };
}

/**
 * Wraps a dynamically imported module so that destructuring a name it does not export throws (and
 * the implementation is reported as skipped) instead of yielding `undefined` and failing later.
 * For corio, whose exports are landing one by one. The destructured values are the real exports.
 */
export function strictModule<M extends object>(mod: M, name = "module"): M {
  return new Proxy(mod, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (value === undefined && typeof key === "string" && key !== "then") {
        throw new Error(`${name} does not export ${key} (yet)`);
      }
      return value;
    },
  });
}

/** A full GC, twice so that finalizers and weak references settle. Needs `--expose-gc`. */
export function fullGc(): void {
  if (globalThis.gc === undefined) throw new Error("run the worker with --expose-gc");
  globalThis.gc();
  globalThis.gc();
}

export interface ThroughputSpec {
  /** Problem size at full scale (tasks, messages, round trips...). */
  size: number;
  /** Operations that one run of `size` performs; the metric is ns per operation. */
  ops(size: number): number;
  /** The checksum a correct run of `size` returns; a mismatch fails the measurement. */
  expected(size: number): number;
}

/** Inner iterations stop once this much time has been spent timing (after at least one). */
const TIME_BUDGET_MS = 10_000;
const MAX_ITERATIONS = 3;

/**
 * The common protocol for CPU-bound workloads. `bench(size)` does the whole workload once and
 * returns a checksum that proves it did all the work. First one full-size run in the fresh process,
 * reported as the extra `coldNs`; then one warm-up run at a tenth of the size, then up to 3 timed runs, each after a full GC so that one
 * run's garbage is not charged to the next. The reported value is the median ns/op of the timed
 * runs; very slow peers (seconds per run) stop after the time budget rather than run for minutes.
 */
export async function measureThroughput(
  bench: (size: number) => Promise<number>,
  spec: ThroughputSpec,
  opts: MeasureOptions,
): Promise<Measurement> {
  const size = opts.quick ? spec.size / 10 : spec.size;
  const check = async (n: number) => {
    const t0 = performance.now();
    const got = await bench(n);
    const ms = performance.now() - t0;
    if (got !== spec.expected(n)) {
      throw new Error(`wrong checksum at size ${n}: got ${got}, expected ${spec.expected(n)}`);
    }
    return ms;
  };
  // Cold: the first full-size run in a fresh process, before anything is compiled (a CLI tool's
  // life). Then the warm-up and the timed runs (warm: a server's steady state).
  fullGc();
  const coldNs = ((await check(size)) * 1e6) / spec.ops(size);
  await check(size / 10);
  const samples: number[] = [];
  let spent = 0;
  const iterations = opts.quick ? 1 : MAX_ITERATIONS;
  while (samples.length < iterations && (samples.length === 0 || spent < TIME_BUDGET_MS)) {
    fullGc();
    const ms = await check(size);
    spent += ms;
    samples.push((ms * 1e6) / spec.ops(size));
  }
  return { value: median(samples), samples, extra: { coldNs } };
}

/** The extra column `measureThroughput` reports: the first full-size run in a fresh process. */
export const COLD: Extra = { key: "coldNs", label: "cold" };

/**
 * The two shapes of code that start tasks. "closure": a generator (or async) function written
 * inline, a fresh closure per task — what users write. "shared": one function defined once and
 * called with the task's arguments (`spawn(handle(conn))`).
 */
export type Shape = "closure" | "shared";

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** mulberry32: a tiny seeded PRNG, so every implementation sleeps the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` integer delays uniformly drawn from [0, maxMs], the same for every implementation. */
export function delays(n: number, maxMs: number, seed = 0x5eed): number[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () => Math.floor(rand() * (maxMs + 1)));
}

export const MB = 1024 * 1024;
