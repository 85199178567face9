/**
 * `corio/testing`: deterministic time and scheduling for tests.
 *
 * `runTest` runs a body on a runtime with a virtual clock (time jumps straight
 * to the next timer when every task waits on time, so a one-hour sleep takes
 * microseconds) and, with a seed, a shuffled but replayable order of each batch
 * of ready tasks, to flush out assumptions about interleaving.
 *
 * @module
 */
import type { Body } from "../core/body.js";
import { cur } from "../core/current.js";
import type { Context, Future, Pending } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import type { RunOptions } from "../core/runtime.js";
import { Runtime } from "../core/runtime.js";
import { checkDuration } from "../time/duration.js";
import { installObservability } from "../trace/install.js";
import { checkLeaks } from "./leaks.js";

export type { ResourceKind } from "../core/resources.js";
export type { Leak } from "../trace/leaks.js";
export { LeakError } from "./leaks.js";

/** Options for `runTest`: those of `run`, with the virtual clock on by default. */
export interface TestOptions extends Omit<RunOptions, "virtualTime"> {
  /** Seed for the scheduler's shuffled batch order. Without it, FIFO. */
  seed?: number;
  /** Use the virtual clock. @default true */
  virtualTime?: boolean;
  /**
   * Do not fail the test over what is still open when it ends (sockets,
   * listeners, files, child processes, signal streams, worker jobs, timers).
   * @default false
   */
  allowLeaks?: boolean;
}

/**
 * Runs `body` for a test: a fresh runtime with a virtual clock (by default)
 * and, with `seed`, a seeded scheduling order.
 *
 * Once the body and every task it started have ended, whatever they opened
 * and did not close — a socket, listener, file, child process, signal stream,
 * worker job or timer — fails the test with a `LeakError` naming each one and
 * the line that created it (and the seed, if any); `{allowLeaks: true}` opts
 * out. Opening operations record a stack under `runTest` for this; runs
 * outside it do not.
 *
 * Rejects with the body's error, as `run` does (what it left open is then not
 * checked), or with a `LeakError`.
 *
 * @example
 * await runTest(function* () {
 *   const start = now();
 *   yield* sleep(3_600_000); // returns at once in real time
 *   expect(now() - start).toBe(3_600_000);
 * }, { seed: 42 });
 */
export async function runTest<T>(body: Body<T>, options: TestOptions = {}): Promise<T> {
  installObservability(); // as run() does: trace and debug work under runTest
  const { signal, name, allowLeaks = false, virtualTime = true, ...runtimeOptions } = options;
  const runtime = new Runtime({ ...runtimeOptions, virtualTime, trackResources: !allowLeaks });
  const value = await runtime.run(body, { signal, name });
  if (!allowLeaks) checkLeaks(runtime, { seed: options.seed });
  return value;
}

function currentRuntime(what: string): Runtime {
  const rt = cur.rt;
  if (rt === null || cur.task === null)
    throw new Error(`${what} must be called inside a task (under runTest)`);
  return rt;
}

/**
 * Steps the virtual clock to each deadline up to the target in turn, firing its
 * timers and letting the woken tasks take a step before time moves on.
 */
class Advance extends FutureBase<void> {
  readonly #ms: number;
  #target = Number.NaN;
  #done = false;
  constructor(ms: number) {
    super();
    this.#ms = ms;
  }
  poll(cx: Context): undefined | Pending {
    if (this.#done) return undefined;
    const rt = currentRuntime("clock.advance()");
    if (Number.isNaN(this.#target)) this.#target = rt.now() + this.#ms;
    const next = rt._nextTimerDeadline();
    if (next <= this.#target) {
      rt._advanceClock(Math.max(0, next - rt.now()));
    } else {
      rt._advanceClock(this.#target - rt.now());
      this.#done = true;
    }
    // Go to the back of the queue: the tasks whose timers fired run first.
    cx.waker.wake();
    return PENDING;
  }
  override describe(): string {
    return `clock.advance(${this.#ms})`;
  }
}

class Idle extends FutureBase<void> {
  #state = 0;
  poll(cx: Context): undefined | Pending {
    if (this.#state === 2) return undefined;
    if (this.#state === 0) currentRuntime("waitIdle()")._waitIdle({ wake: () => this.#woken(cx) });
    this.#state = 1;
    return PENDING;
  }
  #woken(cx: Context): void {
    this.#state = 2;
    cx.waker.wake();
  }
  override describe(): string {
    return "waitIdle";
  }
}

/** The virtual clock of the current test runtime. */
export const clock = {
  /** The current virtual time in milliseconds. */
  now(): number {
    return currentRuntime("clock.now()").now();
  },
  /**
   * Moves virtual time forward by `ms`, stopping at each timer deadline on the
   * way: its timers fire (deadline order, in the order set on ties) and the
   * woken tasks take a step before time moves on (so a task that sleeps again
   * in that step is woken again within the span). Every timer due at or before
   * the new time has fired before a following `waitIdle()` returns, and a timer
   * set later with a deadline already passed (a `sleepUntil` in the past,
   * `timeout(0, ...)`) is due at once: it suspends its task once, to the back
   * of the ready queue. Works even while some task is always ready (when time
   * never jumps by itself).
   *
   * @example
   * yield* clock.advance(100);
   */
  advance(ms: number): Future<void> {
    checkDuration(ms, "clock.advance(ms)");
    return new Advance(ms);
  },
};

/**
 * Waits until no other task of the runtime is ready to run (Trio's
 * `wait_all_tasks_blocked`): everything else is parked on time, I/O or each other.
 *
 * @example
 * spawn(worker);
 * yield* waitIdle(); // the worker ran until it blocked
 */
export function waitIdle(): Future<void> {
  return new Idle();
}

export type { DelayRange } from "./sim/links.js";
export type { ExploreOptions, ExploreResult, SimulateOptions } from "./sim/simulate.js";
export { explore, HostCrashed, Sim, simulate } from "./sim/simulate.js";
