/**
 * `simulate` and `explore`: a distributed program on one thread, on the
 * virtual clock, over a simulated network, replayable from a seed.
 *
 * The seed drives everything that could vary: the order of each batch of
 * ready tasks (the runtime's seeded scheduler) and the network's draws
 * (delays within a range, UDP loss). Nothing else is random and time is
 * virtual, so one seed gives one run, event for event. Failures carry the
 * seed in their message, and `CORIO_SEED=<seed>` replays one.
 */

import type { Body } from "../../core/body.js";
import { cur } from "../../core/current.js";
import type { Coroutine } from "../../core/future.js";
import { releaseResourcesOf } from "../../core/resources.js";
import type { Runtime } from "../../core/runtime.js";
import { Task } from "../../core/task.js";
import { withTransport } from "../../net/transport.js";
import { runTest, type TestOptions } from "../index.js";
import { type DelayRange, Links, seededRandom } from "./links.js";
import { hostLocal, type SimHost, SimNetwork } from "./network.js";

/** Options for `simulate`. */
export interface SimulateOptions {
  /**
   * The seed of the run. @default the `CORIO_SEED` environment variable if set,
   * else a fresh random seed (printed in any failure, so it can be replayed)
   */
  seed?: number;
  /** Do not fail the run for what is still open when it ends. @default false */
  allowLeaks?: boolean;
}

/** The reason a crashed host's tasks complete with (as cancelled). */
export class HostCrashed extends Error {
  override name = "HostCrashed";
}

interface HostEntry {
  state: SimHost;
  body: () => Coroutine<unknown>;
  task: Task<unknown> | null;
}

/**
 * The handle a simulation body gets: hosts and the faults of the network
 * between them. Host names are the names `connect({host})` resolves.
 */
export class Sim {
  readonly #rt: Runtime;
  readonly #root: Task<unknown>;
  readonly #net: SimNetwork;
  readonly #hosts = new Map<string, HostEntry>();
  readonly #random: () => number;
  /** The seed of this run. */
  readonly seed: number;

  /** @internal */
  constructor(rt: Runtime, root: Task<unknown>, net: SimNetwork, seed: number) {
    this.#rt = rt;
    this.#root = root;
    this.#net = net;
    this.seed = seed;
    this.#random = seededRandom(seed ^ 0x7e57);
  }

  /**
   * A number in [0, 1) drawn from the run's seed: for the test's own choices
   * (when to crash, what to partition), so the same seed replays them too.
   */
  random(): number {
    return this.#random();
  }

  /**
   * Every packet delivered or dropped so far, in order ("12.5 a>b data 5"):
   * the trace two runs of one seed agree on.
   */
  get events(): readonly string[] {
    return this.#net.links.events;
  }

  /**
   * Starts a machine named `name` running `body`; returns its Task. Inside
   * `body` (and every task it spawns), `listen` and `connect` act as this
   * host: it listens on `0.0.0.0`, its name or its address, and others reach
   * it by name. The task is a child of the simulation: when the simulation's
   * body returns, hosts still running are cancelled.
   *
   * Throws: TypeError for a bad name or body; Error if the name is taken.
   *
   * @example
   * await simulate(function* (sim) {
   *   sim.host("db", function* () {
   *     const listener = yield* listen({ host: "0.0.0.0", port: 5432 });
   *     const conn = yield* listener.accept();
   *     listener.close();
   *     yield* conn.write(new TextEncoder().encode("hello"));
   *     conn.close();
   *   });
   *   const conn = yield* connect({ host: "db", port: 5432 }); // by name, no real socket
   *   const bytes = yield* conn.readExact(5);
   *   conn.close();
   *   console.log(new TextDecoder().decode(bytes)); // hello
   * });
   */
  host<T>(name: string, body: Body<T>): Task<T> {
    if (typeof name !== "string" || !/^[A-Za-z][\w.-]*$/.test(name))
      throw new TypeError(
        `sim.host(name, body): name must be a host name (a letter, then letters, digits, '.', '-', '_'), got ${JSON.stringify(name)}`,
      );
    if (typeof body !== "function")
      throw new TypeError("sim.host(name, body): body must be a generator function");
    if (name === "localhost" || this.#net.host(name) !== undefined)
      throw new Error(`sim.host: a host named "${name}" already exists`);
    const state = this.#net.addHost(name);
    const entry: HostEntry = { state, body: body as () => Coroutine<unknown>, task: null };
    this.#hosts.set(name, entry);
    return this.#start(entry) as Task<T>;
  }

  /**
   * Sets the one-way delay of links: of every link (no names), of every link
   * to and from `a`, or of the link between `a` and `b` (both directions). A
   * round trip takes twice it. A `{min, max}` range draws each packet's delay
   * from the seed; packets of one direction still arrive in order.
   *
   * Throws: TypeError for a negative or non-finite delay or an empty range;
   * Error for an unknown host.
   */
  latency(ms: number | DelayRange, a?: string, b?: string): void {
    const range = typeof ms === "number" ? { min: ms, max: ms } : ms;
    if (
      range === null ||
      typeof range !== "object" ||
      !isDelay(range.min) ||
      !isDelay(range.max) ||
      range.min > range.max
    )
      throw new TypeError(
        `sim.latency(ms): ms must be a delay >= 0 or {min, max} with 0 <= min <= max, got ${JSON.stringify(ms)}`,
      );
    this.#known("sim.latency", a, b);
    this.#net.links.setDelay({ min: range.min, max: range.max }, a, b);
  }

  /**
   * Cuts the link between `a` and `b` both ways: TCP bytes (and FINs, resets,
   * SYNs) are held until `repair(a, b)` and then arrive in order; UDP
   * datagrams are dropped, including those in flight.
   *
   * Throws: Error for an unknown host or a host partitioned from itself.
   */
  partition(a: string, b: string): void {
    this.#known("sim.partition", a, b, true);
    if (a === b) throw new Error(`sim.partition: cannot partition "${a}" from itself`);
    this.#net.links.note(`partition ${a}|${b}`);
    this.#net.links.partition(a, b);
  }

  /** Heals `partition(a, b)`: held TCP packets are delivered, in order. */
  repair(a: string, b: string): void {
    this.#known("sim.repair", a, b, true);
    this.#net.links.note(`repair ${a}|${b}`);
    this.#net.links.repair(a, b);
  }

  /**
   * Sets the share of UDP datagrams lost (drawn from the seed): on every link,
   * on every link to and from `a`, or between `a` and `b` (the most specific wins). TCP is never lost (it is held by
   * partitions instead).
   *
   * Throws: RangeError for a rate outside 0–1.
   */
  loss(rate: number, a?: string, b?: string): void {
    if (typeof rate !== "number" || !(rate >= 0 && rate <= 1))
      throw new RangeError(`sim.loss(rate): rate must be between 0 and 1, got ${String(rate)}`);
    this.#known("sim.loss", a, b);
    this.#net.links.setLoss(rate, a, b);
  }

  /**
   * Power cut: the host's tasks are dropped where they wait, never resumed
   * (no `finally` runs; they complete as cancelled with a `HostCrashed`
   * reason), its connections are reset (peers read `ECONNRESET` once the reset
   * crosses the link; packets it sent that a partition holds are lost, as
   * nobody is left to retransmit them), its listeners and UDP sockets vanish, and connections
   * to it go unanswered until `restart`.
   *
   * Throws: Error for an unknown host, or when called from the host's own tasks.
   */
  crash(name: string): void {
    const entry = this.#entry("sim.crash", name);
    const task = entry.task;
    if (task !== null && isOnStack(task))
      throw new Error(`sim.crash("${name}") was called from a task of "${name}" itself`);
    this.#net.links.note(`crash ${name}`);
    this.#net.links.dropHeldFrom(name); // before the resets, which do leave
    entry.state.powerOff();
    if (task !== null) {
      releaseResourcesOf(task); // the machine is gone, and so is what it held: not a leak
      task._drop(new HostCrashed(`host "${name}" crashed`));
    }
  }

  /**
   * Powers the host on again and runs its body as a new Task (a running host
   * is crashed first). Its ports start free.
   *
   * Throws: Error for an unknown host.
   */
  restart(name: string): Task<unknown> {
    const entry = this.#entry("sim.restart", name);
    if (entry.state.up && entry.task !== null && !entry.task.isComplete) this.crash(name);
    this.#net.links.note(`restart ${name}`);
    entry.state.up = true;
    return this.#start(entry);
  }

  #start(entry: HostEntry): Task<unknown> {
    const { state, body } = entry;
    const task = Task._spawn(
      () => hostLocal.with(state, body),
      this.#root,
      this.#rt,
      { name: `host ${state.name}` },
      "sim.host",
    );
    entry.task = task;
    return task;
  }

  #entry(what: string, name: string): HostEntry {
    const entry = this.#hosts.get(name);
    if (entry === undefined)
      throw new Error(`${what}: no host named ${JSON.stringify(name)}${this.#known_list()}`);
    return entry;
  }

  #known(what: string, a: string | undefined, b: string | undefined, required = false): void {
    for (const n of required ? [a, b] : [a, b].filter((x) => x !== undefined)) {
      if (n !== "main" && !this.#hosts.has(n as string))
        throw new Error(`${what}: no host named ${JSON.stringify(n)}${this.#known_list()}`);
    }
  }

  #known_list(): string {
    return ` (hosts: main${[...this.#hosts.keys()].map((n) => `, ${n}`).join("")})`;
  }
}

function isDelay(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x) && x >= 0;
}

/** True if `task` or one of its descendants is the running task (it cannot be dropped). */
function isOnStack(task: Task<unknown>): boolean {
  for (let t = cur.task; t !== null; t = t.parent) if (t === task) return true;
  return false;
}

/** The seed for a run: the option, else CORIO_SEED, else a fresh one. */
function pickSeed(seed: number | undefined): number {
  if (seed !== undefined) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new TypeError(`simulate: seed must be an integer >= 0, got ${String(seed)}`);
    return seed;
  }
  const env = process.env.CORIO_SEED;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new TypeError(`CORIO_SEED must be an integer >= 0, got ${JSON.stringify(env)}`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/**
 * Runs `body(sim)` as a simulation: a fresh runtime on the virtual clock with
 * the scheduler seeded, and every `corio/net` call inside (the body's, and
 * every host's) on an in-memory network of named hosts; files and processes
 * stay real. Resolves with the body's value once it returns (hosts still
 * running are cancelled then).
 *
 * Throws (rejects): the body's error, wrapped in an Error naming the seed
 * ("seed 42 ... replay with CORIO_SEED=42", the original as `cause`); a
 * `LeakError` as it is.
 *
 * @example
 * await simulate(function* (sim) {
 *   sim.host("db", function* () {
 *     const listener = yield* listen({ host: "0.0.0.0", port: 5432 });
 *     const conn = yield* listener.accept();
 *     listener.close();
 *     yield* conn.write(new TextEncoder().encode("hello"));
 *     conn.close();
 *   });
 *   const conn = yield* connect({ host: "db", port: 5432 }); // by name, no real socket
 *   const bytes = yield* conn.readExact(5);
 *   conn.close();
 *   console.log(new TextDecoder().decode(bytes)); // hello
 * }, { seed: 42 });
 */
export function simulate<T>(
  body: (sim: Sim) => Coroutine<T>,
  options: SimulateOptions = {},
): Promise<T> {
  if (typeof body !== "function")
    return Promise.reject(new TypeError("simulate(body): body must be a generator function"));
  let seed: number;
  try {
    seed = pickSeed(options.seed);
  } catch (error) {
    return Promise.reject(error);
  }
  const testOptions: TestOptions & { allowLeaks?: boolean } = {
    seed,
    name: `simulate seed ${seed}`,
  };
  if (options.allowLeaks !== undefined) testOptions.allowLeaks = options.allowLeaks;
  return runTest(function* () {
    const rt = cur.rt as Runtime;
    const root = cur.task as Task<unknown>;
    const net = new SimNetwork(new Links(rt, seededRandom(seed ^ 0x5eed)));
    return yield* withTransport(net, () => body(new Sim(rt, root, net, seed)));
  }, testOptions).catch((error: unknown) => {
    throw withSeed(error, seed);
  });
}

/** Names the seed in `error`: a LeakError does so itself; others are wrapped. */
function withSeed(error: unknown, seed: number): unknown {
  if (error instanceof Error && error.name === "LeakError") return error;
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new Error(
    `simulation failed with seed ${seed} (replay: CORIO_SEED=${seed}): ${message}`,
    { cause: error },
  );
  (wrapped as Error & { seed: number }).seed = seed;
  return wrapped;
}

/** Options for `explore`. */
export interface ExploreOptions extends Omit<SimulateOptions, "seed"> {
  /** How many seeds (0, 1, ..., n-1), or the seeds to run. */
  seeds: number | readonly number[];
  /** Run every seed and report the failures instead of stopping at the first. @default false */
  keepGoing?: boolean;
}

/** What `explore` found. */
export interface ExploreResult {
  runs: number;
  /** The seeds that failed (only with `keepGoing`). */
  failedSeeds?: number[];
}

/**
 * Runs `simulate(body, {seed})` for each seed in turn (with `CORIO_SEED` set,
 * only that seed: the replay). A body that ignores `sim` is a plain seeded
 * test under many interleavings.
 *
 * Throws (rejects): at the first failing seed, its error (naming the seed);
 * with `keepGoing`, resolves `{runs, failedSeeds}` instead. TypeError for bad
 * `seeds`.
 *
 * @example
 * const { runs } = await explore(
 *   function* () {
 *     const order: string[] = [];
 *     yield* all([
 *       function* () {
 *         order.push("a");
 *       },
 *       function* () {
 *         order.push("b");
 *       },
 *     ]);
 *     if (order.length !== 2) throw new Error("lost a task");
 *   },
 *   { seeds: 20 },
 * );
 * console.log(runs); // 20
 */
export async function explore(
  body: (sim: Sim) => Coroutine<unknown>,
  options: ExploreOptions,
): Promise<ExploreResult> {
  const seeds = seedList(options?.seeds);
  const { keepGoing = false, allowLeaks } = options;
  const failedSeeds: number[] = [];
  let runs = 0;
  for (const seed of seeds) {
    runs++;
    try {
      await simulate(body, allowLeaks === undefined ? { seed } : { seed, allowLeaks });
    } catch (error) {
      if (!keepGoing) throw error;
      failedSeeds.push(seed);
    }
  }
  return keepGoing ? { runs, failedSeeds } : { runs };
}

function seedList(seeds: unknown): readonly number[] {
  const env = process.env.CORIO_SEED;
  if (env !== undefined && env !== "") return [pickSeed(undefined)];
  if (typeof seeds === "number") {
    if (!Number.isSafeInteger(seeds) || seeds < 1)
      throw new TypeError(`explore: seeds must be a count >= 1 or a list of seeds, got ${seeds}`);
    return Array.from({ length: seeds }, (_, i) => i);
  }
  if (
    Array.isArray(seeds) &&
    seeds.length > 0 &&
    seeds.every((s) => Number.isSafeInteger(s) && s >= 0)
  )
    return seeds;
  throw new TypeError(
    `explore: seeds must be a count >= 1 or a non-empty list of integers >= 0, got ${JSON.stringify(seeds)}`,
  );
}
