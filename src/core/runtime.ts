/**
 * The runtime: a ready queue, a timer wheel, a clock and the loop that drives
 * them (the executor). Several runtimes may run in one process at once.
 *
 * The model
 * ---------
 * Work arrives as tasks pushed on the ready queue (spawn, wake). The loop runs
 * in batches, Trio's model: the tasks ready when a batch starts each get one
 * step; tasks made ready during the batch run in the next one. With a seed,
 * each batch runs in a seeded shuffled order, so a seed replays one
 * interleaving. Between batches due timers fire. The loop runs inside a
 * microtask (queued by the first wake after it went idle) and gives Node's own
 * event loop a turn (`setImmediate`) once it has run for `SLICE_MS`, so Node's
 * timers and I/O callbacks never starve while tasks keep yielding.
 *
 * When no task is ready the runtime is idle: it wakes `waitIdle()` waiters;
 * else, if timers are pending, it arms one Node timer for the nearest one (or,
 * on a virtual clock with nothing external pending, jumps the clock to it);
 * else, if no `call()` or I/O is pending, it looks for a deadlock.
 *
 * States: a runtime is *active* while a `run()` is in progress; tasks spawned
 * on an inactive runtime are only queued (nothing runs until `run()` or
 * `step()`). `#inLoop` is true while the loop is on the stack; `#armed` while a
 * microtask, immediate or Node timer will call the loop.
 *
 * Why this file is over 600 lines: it is one class, whose ready queue, wheel,
 * clock and run state are `#private` fields that the loop reads on every
 * batch; the options and listing shapes users see (`RuntimeOptions`,
 * `TaskInfo`) and their documentation take a sixth of it.
 */
import type { Body } from "./body.js";
import { cur } from "./current.js";
import { isInstance } from "./describe-thrown.js";
import { CancelledError, DeadlockError, type StuckTask } from "./errors.js";
import { ChunkedFifo } from "./fifo.js";
import { isLocalWait, YIELD_NOW } from "./future.js";
import type { TaskBody } from "./future-body.js";
import type { DebugOptions, Hooks, TraceFile } from "./instrument.js";
import { instrumentation, renderTaskTree } from "./instrument.js";
import type { Joiner } from "./join.js";
import { keepShapes } from "./kept-shapes.js";
import type { ResourceEntry } from "./resources.js";
import type { Siblings, SpawnOptions, TaskState } from "./task.js";
import { Task } from "./task.js";
import { type TimerNode, TimerWheel } from "./timer-wheel.js";

/** Options for `new Runtime()` and `run()`. */
export interface RuntimeOptions {
  /**
   * Run each batch of ready tasks in an order shuffled by this seed (same seed,
   * same interleaving). Without it, batches run in FIFO order.
   */
  seed?: number;
  /**
   * Use a virtual clock that starts at 0 and jumps straight to the next timer
   * whenever every task waits on time (and no `call()` or I/O is pending).
   * @default false
   */
  virtualTime?: boolean;
  /**
   * Record a trace of every spawn, step, wait, wake and completion (Chrome
   * Trace Event format: `runtime.traceEvents()`). A path: also write the trace
   * to that file when the run ends, even if it fails.
   * @default false
   */
  trace?: boolean | string;
  /**
   * Debug mode: warn of futures never awaited, swallowed cancellations, slow
   * steps, a starved event loop and what outlived the run (docs/observability.md).
   * @default false, or true when the environment has CORIO_DEBUG=1
   */
  debug?: boolean | DebugOptions;
  /**
   * Per-task statistics in `tasks()` (`polls`, `busyMs`, `idleMs`,
   * `sinceWakeMs`): two clock reads per step. Always on with `trace` or `debug`.
   * @default false, or true when the environment has CORIO_STATS=1
   */
  stats?: boolean;
  /** Observability hooks, instead of those built from trace/debug/stats. @internal */
  hooks?: Hooks | null;
  /**
   * Keep a registry of the resources the run's tasks open, with where each was
   * asked for (a stack capture per opening operation), for a leak check
   * (`runTest`, `simulate`). @internal
   */
  trackResources?: boolean;
}

/** Options for `run()`. */
export interface RunOptions extends RuntimeOptions {
  /** Aborting it cancels the run: the body is cancelled, its cleanup runs, `run` rejects. */
  signal?: AbortSignal;
  /** A name for the body's task in listings and traces. @default "task#<id>" */
  name?: string;
}

/** One task as `runtime.tasks()` lists it: plain, JSON-serialisable data. */
export interface TaskInfo {
  id: number;
  name: string;
  /** The parent's id, or null for a root. */
  parent: number | null;
  state: TaskState;
  /** What the task waits on ("sleep 250 ms (120 ms left)", "join worker"), or null if it is not waiting. */
  waitingOn: string | null;
  /** Where it was spawned (`file:line:column` of the caller): debug mode only, else null. */
  spawnedAt: string | null;
  /** Steps taken. Null unless statistics are on (`stats`, `trace` or `debug`). */
  polls: number | null;
  /** Milliseconds spent inside its steps. Null unless statistics are on. */
  busyMs: number | null;
  /** Milliseconds spent parked, waiting to be woken. Null unless statistics are on. */
  idleMs: number | null;
  /** Milliseconds since it was last made ready (spawned or woken). Null unless statistics are on. */
  sinceWakeMs: number | null;
}

/** How long the loop may run before giving Node's event loop a turn. */
const SLICE_MS = 4;
/** How many steps between clock reads (timer checks and the slice check). */
const CHECK_EVERY = 64;

interface RunState {
  main: Task<unknown> | null;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Failures of roots nobody joined: the run fails with them. */
  errors: unknown[];
  deadlock: DeadlockError | null;
  shuttingDown: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const activeRuntimes = new Set<Runtime>();

function onBeforeExit(): void {
  for (const rt of [...activeRuntimes]) rt._beforeExit();
}

const fire = (node: TimerNode): void => node.fire();

// The loop is armed as a reaction to this promise rather than with
// queueMicrotask: Node wraps each queueMicrotask callback in an async resource
// (about twice the cost), and the loop is armed once per outside wake-up.
const RESOLVED = Promise.resolve();

/**
 * An executor with its ready queue, timers and clock. `run()` (the function)
 * makes a fresh one per call; make one yourself to add root tasks before it
 * runs, or to drive it step by step.
 *
 * @example
 * const rt = new Runtime();
 * rt.spawn(function* () { console.log("hello"); });
 * while (rt.step()) {} // prints "hello"
 */
export class Runtime {
  /** @internal The root tasks. */
  readonly _roots: Siblings = { first: null, last: null };
  /** @internal Tracing hooks, or null (one branch per event). */
  _hooks: Hooks | null;
  /**
   * @internal The resources this runtime's tasks opened and nobody closed yet,
   * or null when the runtime does not check for leaks (core/resources.ts).
   */
  _resources: Set<ResourceEntry> | null;

  readonly #ready = new ChunkedFifo<Task<unknown>>();
  readonly #wheel = new TimerWheel();
  readonly #virtual: boolean;
  #vnow = 0;
  readonly #random: (() => number) | null;
  /** Random draws for library code (retry's jitter): from the seed, apart from the shuffle's stream. */
  readonly #draws: () => number;
  #active = false;
  #inLoop = false;
  #armed = false;
  /** When the current slice's timing began (performance.now()), or -1 once Node has had a turn since. */
  #sliceStart = -1;
  /** Steps run since the clock was last read (or since Node's last turn). */
  #sliceSteps = 0;
  /** True while a setImmediate probe is pending to tell us Node had a turn. */
  #probing = false;
  #nodeTimer: ReturnType<typeof setTimeout> | null = null;
  #nodeTimerAt = Number.POSITIVE_INFINITY;
  /** Pending operations outside the runtime (call(), I/O) that can still wake tasks. */
  #external = 0;
  #idleWaiters: { wake(): void }[] = [];
  #run: RunState | null = null;
  /** Failures of unjoined roots seen while stepping by hand; `step()` throws them. */
  #stepErrors: unknown[] = [];

  constructor(options: RuntimeOptions = {}) {
    const { seed, virtualTime = false, hooks = null, trackResources = false } = options;
    if (seed !== undefined && (typeof seed !== "number" || !Number.isFinite(seed))) {
      throw new TypeError(`Runtime: seed must be a finite number, got ${String(seed)}`);
    }
    this.#virtual = virtualTime;
    this.#random = seed === undefined ? null : mulberry32(seed);
    this.#draws = seed === undefined ? Math.random : mulberry32(seed ^ 0x9e3779b9);
    this._resources = trackResources ? new Set() : null;
    const create = instrumentation.create;
    if (hooks === null && create === null && (options.trace || options.debug || options.stats))
      throw new Error(
        "Runtime: trace, debug and stats need corio's observability layer (import from 'corio')",
      );
    this._hooks = hooks ?? (create === null ? null : create(this, options));
  }

  /**
   * @internal A number in [0, 1): replayable from the runtime's `seed` (its own
   * stream, so drawing does not change the seeded scheduling order), else
   * `Math.random()`. `retry` draws its jitter here.
   */
  _random(): number {
    return this.#draws();
  }

  /** The runtime's clock in milliseconds: monotonic real time, or virtual time from 0. */
  now(): number {
    return this.#virtual ? this.#vnow : performance.now();
  }

  /** True if this runtime uses a virtual clock. */
  get virtualTime(): boolean {
    return this.#virtual;
  }

  /**
   * Adds a root task (one with no parent). Nothing runs until `run()` or
   * `step()`; while `run()` is in progress it is scheduled at once.
   */
  spawn<T>(body: TaskBody<T>, options?: SpawnOptions): Task<T> {
    return Task._spawn(body as Body<T>, null, this, options, "runtime.spawn");
  }

  /**
   * Runs `body` as a root task until it completes, then cancels the other root
   * tasks and waits for their cleanup. Resolves with the body's value; rejects
   * with its error, with the error of a root that failed unjoined, with
   * `CancelledError` if the run was cancelled, or with `DeadlockError`.
   * Without a body, runs until every root task has completed.
   */
  run<T>(body?: TaskBody<T>, options: { signal?: AbortSignal; name?: string } = {}): Promise<T> {
    if (this.#active) throw new Error("Runtime.run: this runtime is already running");
    const spawnOptions = options.name === undefined ? undefined : { name: options.name };
    let main: Task<unknown> | null;
    try {
      main =
        body === undefined ? null : Task._spawn(body as Body<T>, null, this, spawnOptions, "run");
    } catch (error) {
      // A body function that throws before returning its coroutine (or is not one):
      // run() returns a Promise, so it rejects rather than throws.
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const run: RunState = {
        main,
        resolve: resolve as (v: unknown) => void,
        reject,
        errors: [],
        deadlock: null,
        shuttingDown: false,
        signal: options.signal,
        onAbort: undefined,
      };
      this.#run = run;
      this.#activate();
      if (main !== null) main._addJoiner(new RunJoiner(this));
      const signal = options.signal;
      if (signal !== undefined) {
        const onAbort = (): void => {
          if (main !== null) main.cancel(signal.reason);
          else this.#shutdown();
        };
        run.onAbort = onAbort;
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
      if (main === null && this._roots.first === null) this.#finish();
      else this.#arm();
    });
  }

  /**
   * Fires due timers, then runs one step of the next ready task. Returns true
   * if it ran a step, false if no task was ready. For teaching and tests; not
   * while `run()` is in progress. Throws the error of a root task that failed
   * with nobody joining it.
   */
  step(): boolean {
    if (this.#active) throw new Error("Runtime.step: not while run() is driving this runtime");
    const outerTask = cur.task;
    const outerRt = cur.rt;
    cur.task = null;
    cur.rt = this;
    try {
      this.#fireTimers();
      const task = this.#ready.shift();
      if (task !== undefined) task._step();
      if (this.#stepErrors.length > 0) {
        const errors = this.#stepErrors;
        this.#stepErrors = [];
        throw errors.length === 1 ? errors[0] : new AggregateError(errors, "root tasks failed");
      }
      return task !== undefined;
    } finally {
      cur.task = outerTask;
      cur.rt = outerRt;
    }
  }

  /**
   * A snapshot of every live task, parents before children, as plain
   * JSON-serialisable objects (see `TaskInfo`; docs/observability.md).
   *
   * @example
   * for (const t of runtime.tasks()) console.log(t.id, t.name, t.state, t.waitingOn);
   */
  tasks(): TaskInfo[] {
    const out: TaskInfo[] = [];
    const hooks = this._hooks;
    this.#walk((task) => {
      const info: TaskInfo = {
        id: task.id,
        name: task.name,
        parent: task.parent === null ? null : task.parent.id,
        state: task.state,
        waitingOn: task.waitingOn,
        spawnedAt: null,
        polls: null,
        busyMs: null,
        idleMs: null,
        sinceWakeMs: null,
      };
      if (hooks !== null) hooks.info(task, info);
      out.push(info);
    });
    return out;
  }

  /**
   * The task tree as text, like `pstree`: one line per task, `name #id [state]
   * waiting-on`, children under their parent.
   *
   * @example
   * console.log(runtime.dump());
   * // main #1 [waiting] join worker
   * // └─ worker #2 [waiting] sleep 250 ms (120 ms left)
   */
  dump(): string {
    return renderTaskTree(this.tasks());
  }

  /**
   * The recorded trace in Chrome Trace Event format (open it in Perfetto or
   * `chrome://tracing`; `writeTrace` from `corio/trace` writes it to a file).
   * Throws if the runtime was not created with `trace`.
   */
  traceEvents(): TraceFile {
    const trace = this._hooks === null ? null : (this._hooks.traceEvents() as TraceFile | null);
    if (trace === null)
      throw new Error(
        "Runtime.traceEvents: this runtime does not trace; create it with {trace: true}",
      );
    return trace;
  }

  // ------------------------------------------------------------- kernel interface

  /** @internal Checks the timer wheel's invariants (tests). */
  _checkTimers(): void {
    this.#wheel.check();
  }

  /** @internal True while some timer is filed (debug mode's leak report). */
  get _timersPending(): boolean {
    return !this.#wheel.isEmpty;
  }

  /** @internal From now on, keep the registry of open resources (debug mode turns it on). */
  _trackResources(): void {
    this._resources ??= new Set();
  }

  /** @internal The timers still filed, in no particular order (leak reports). */
  _filedTimers(): TimerNode[] {
    return this.#wheel.nodes();
  }

  /** @internal Outside operations (call(), I/O) still counted (debug mode's leak report). */
  get _externalPending(): number {
    return this.#external;
  }

  /** @internal Queue a task; the loop is not armed (the caller is the loop). */
  _push(task: Task<unknown>): void {
    this.#ready.push(task);
  }

  /** @internal Queue a task and make sure the loop will run. */
  _schedule(task: Task<unknown>): void {
    this.#ready.push(task);
    this.#arm();
  }

  /** @internal An operation outside the runtime started (call(), I/O): no deadlock, no time jump. */
  _externalStart(): void {
    this.#external++;
  }

  /** @internal */
  _externalEnd(): void {
    this.#external--;
  }

  /**
   * @internal Files a timer for the absolute deadline `at` (runtime clock ms),
   * `now` being the runtime's clock as the caller just read it. Returns false,
   * filing nothing, if the deadline is not after `now`: the caller treats it as
   * due at once.
   *
   * The wheel counts whole ms of the runtime's clock itself (no epoch), so a
   * filed timer's `when` is its deadline: a sleep needs no second field for it.
   *
   * Why against the clock and not the wheel: the wheel's `elapsed` only moves
   * when timers are fired (between batches, every CHECK_EVERY steps, on idle,
   * and not at all while the wheel is empty), so it can lag the clock. A
   * deadline that has passed but is still after `elapsed` would be filed and
   * wait for the next check, or, after `clock.advance` moved an empty wheel's
   * clock, for the next idle jump, after `waitIdle()` returned.
   */
  _fileTimer(node: TimerNode, at: number, now: number): boolean {
    if (at <= now) return false;
    const wheel = this.#wheel;
    // An empty wheel has not followed the clock; catch it up so the timer is
    // filed on the level its distance from now calls for (nothing can fire).
    if (wheel.isEmpty) wheel.advance(Math.floor(now), fire);
    node.when = Math.ceil(at);
    return wheel.insert(node);
  }

  /**
   * @internal As `_fileTimer` for a deadline already known (a sleep fixes its
   * deadline when made, reading the clock then), without reading the clock
   * again: in real time the wheel's `elapsed` (the clock at the last timer
   * check, a few ms old at most while timers are filed) stands in for now. A
   * deadline that passed since that check is filed and fires at the next check
   * (within CHECK_EVERY steps, or when the queue drains) rather than at once:
   * a sleep still suspends once and wakes a batch later, never early. An empty
   * wheel has not followed the clock, and the virtual clock can jump
   * (`clock.advance`) between a sleep's making and its poll: both read it.
   */
  _fileTimerAt(node: TimerNode, at: number): boolean {
    const wheel = this.#wheel;
    if (this.#virtual || wheel.isEmpty) return this._fileTimer(node, at, this.now());
    node.when = Math.ceil(at);
    return wheel.insert(node);
  }

  /** @internal Moves the virtual clock forward by `ms` and fires what became due (testing). */
  _advanceClock(ms: number): void {
    if (!this.#virtual)
      throw new Error("clock.advance: this runtime does not use virtual time (use runTest)");
    this.#vnow += ms;
    this.#fireTimers();
  }

  /** @internal The earliest timer deadline on the runtime's clock, or Infinity. */
  _nextTimerDeadline(): number {
    const tick = this.#wheel.nextExpiration();
    if (tick === Number.POSITIVE_INFINITY) return tick;
    // A higher-level slot only knows its start; cascade to find the exact deadline.
    if (this.#virtual) return this.#wheel.nextDeadline();
    return tick;
  }

  /** @internal Wakes `waker` the next time no task is ready. */
  _waitIdle(waker: { wake(): void }): void {
    this.#idleWaiters.push(waker);
  }

  /** @internal A root failed and nobody took its error: the run fails with it. */
  _rootFailed(error: unknown): void {
    const run = this.#run;
    if (run !== null) {
      run.errors.push(error);
      this.#shutdown();
    } else {
      this.#stepErrors.push(error);
    }
  }

  /** @internal A root task completed. `unjoinedFailure`: it failed and nobody joined it. */
  _rootDone(task: Task<unknown>, unjoinedFailure: boolean): void {
    if (unjoinedFailure) {
      try {
        task._result();
      } catch (error) {
        this._rootFailed(error);
      }
    }
    const run = this.#run;
    if (run !== null && this._roots.first === null && (run.main === null || run.main.isComplete)) {
      this.#finish();
    }
  }

  /** @internal The process is about to exit while a run is pending: that is a deadlock too. */
  _beforeExit(): void {
    const run = this.#run;
    if (run === null) return;
    const error = new DeadlockError(
      this.#stuckTasks(),
      "the process is about to exit while run() is still pending",
    );
    if (run.deadlock !== null) {
      // Cleanup after the first deadlock is stuck as well: give up on it.
      this.#finish();
      return;
    }
    run.deadlock = error;
    this.#shutdown();
  }

  // ------------------------------------------------------------- the loop

  #activate(): void {
    this.#active = true;
    if (activeRuntimes.size === 0) {
      process.on("beforeExit", onBeforeExit);
      instrumentation.activate?.();
    }
    activeRuntimes.add(this);
    if (this._hooks !== null) this._hooks.runStart();
  }

  #deactivate(): void {
    this.#active = false;
    this.#clearNodeTimer();
    activeRuntimes.delete(this);
    if (activeRuntimes.size === 0) {
      process.off("beforeExit", onBeforeExit);
      instrumentation.deactivate?.();
    }
    if (this._hooks !== null) this._hooks.runEnd();
  }

  #arm(): void {
    if (!this.#armed && !this.#inLoop && this.#active) {
      this.#armed = true;
      RESOLVED.then(this.#loop);
    }
  }

  readonly #loop = (): void => {
    this.#armed = false;
    if (!this.#active || this.#inLoop) return;
    const outerTask = cur.task;
    const outerRt = cur.rt;
    cur.task = null;
    cur.rt = this;
    this.#inLoop = true;
    try {
      this.#drive();
    } finally {
      this.#inLoop = false;
      cur.task = outerTask;
      cur.rt = outerRt;
    }
  };

  // This loop right here is the event loop of a runtime: batches of steps,
  // timers between batches, and a turn for Node every SLICE_MS.
  #drive(): void {
    const ready = this.#ready;
    this.#fireTimers();
    for (;;) {
      let n = ready.length;
      if (n === 0) {
        if (this.#onIdle()) continue;
        return;
      }
      this.#sliceSteps += n;
      if (this.#random !== null) this.#shuffledBatch(n);
      else while (n-- > 0) (ready.shift() as Task<unknown>)._step();
      if (!this.#active) return;
      if (this.#sliceSteps >= CHECK_EVERY) {
        this.#sliceSteps = 0;
        this.#fireTimers();
        const sliceStart = this.#sliceStart;
        if (sliceStart < 0) this.#startSlice();
        else if (performance.now() - sliceStart >= SLICE_MS) {
          // Let Node run its timers and I/O callbacks, then carry on.
          this.#armed = true;
          setImmediate(this.#loop);
          return;
        }
      }
    }
  }

  /**
   * Starts timing a slice, after its first CHECK_EVERY steps.
   *
   * A slice lasts until Node has had a turn, across any number of re-entries
   * from microtasks and I/O callbacks (a task awaiting resolved promises wakes
   * the loop from a microtask each time, one step per entry: per-entry slices
   * would never yield to Node). The slice is timed from its first CHECK_EVERY
   * steps, not from each entry: an entry from an I/O callback usually runs a
   * step or two, and reading the clock and queueing the probe (an immediate
   * that marks the end of Node's turn) on every entry cost a server more than
   * the step itself.
   */
  #startSlice(): void {
    this.#sliceStart = performance.now();
    if (!this.#probing) {
      this.#probing = true;
      setImmediate(this.#onNodeTurn).unref();
    }
  }

  /** Runs the next `n` ready tasks in a seeded shuffled order (Fisher–Yates). */
  #shuffledBatch(n: number): void {
    const random = this.#random as () => number;
    const batch: Task<unknown>[] = [];
    for (let i = 0; i < n; i++) batch.push(this.#ready.shift() as Task<unknown>);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = batch[i] as Task<unknown>;
      batch[i] = batch[j] as Task<unknown>;
      batch[j] = t;
    }
    for (const task of batch) task._step();
  }

  /** Runs in Node's check phase: Node has had a turn, so the next slice starts afresh. */
  readonly #onNodeTurn = (): void => {
    this.#probing = false;
    this.#sliceStart = -1;
    this.#sliceSteps = 0;
  };

  /** Nothing is ready. Returns true if that changed (work to do), false to park the loop. */
  #onIdle(): boolean {
    if (this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w.wake();
      return true;
    }
    if (!this.#wheel.isEmpty) {
      if (this.#virtual) {
        if (this.#external > 0) return false; // a call() or I/O may still act in real time
        this.#vnow = Math.max(this.#vnow, this.#wheel.nextDeadline());
        this.#fireTimers();
        return true;
      }
      this.#fireTimers();
      if (this.#ready.length > 0) return true;
      this.#armNodeTimer();
      return false;
    }
    this.#clearNodeTimer();
    if (this.#external === 0 && this.#run !== null) return this.#checkDeadlock();
    return false;
  }

  #fireTimers(): void {
    if (this.#wheel.isEmpty) return;
    this.#wheel.advance(Math.floor(this.now()), fire);
  }

  #armNodeTimer(): void {
    const next = this.#wheel.nextExpiration();
    if (this.#nodeTimer !== null) {
      if (this.#nodeTimerAt <= next) return;
      clearTimeout(this.#nodeTimer);
    }
    const delay = Math.max(0, Math.ceil(next - performance.now()));
    this.#nodeTimerAt = next;
    this.#nodeTimer = setTimeout(this.#onNodeTimer, delay);
  }

  readonly #onNodeTimer = (): void => {
    this.#nodeTimer = null;
    this.#nodeTimerAt = Number.POSITIVE_INFINITY;
    this.#loop();
  };

  #clearNodeTimer(): void {
    if (this.#nodeTimer !== null) {
      clearTimeout(this.#nodeTimer);
      this.#nodeTimer = null;
      this.#nodeTimerAt = Number.POSITIVE_INFINITY;
    }
  }

  // ------------------------------------------------------------- ending a run

  /** Cancels every root (the main body included); the run finishes when they are done. */
  #shutdown(): void {
    const run = this.#run;
    if (run === null) return;
    run.shuttingDown = true;
    for (let t = this._roots.first; t !== null; t = t._nextSibling) t.cancel();
    if (this._roots.first === null) this.#finish();
  }

  /** @internal The main task completed. */
  _mainDone(): void {
    const run = this.#run;
    if (run === null) return;
    if (this._roots.first === null) this.#finish();
    else this.#shutdown();
  }

  #finish(): void {
    const run = this.#run;
    if (run === null) return;
    this.#run = null;
    if (run.signal !== undefined && run.onAbort !== undefined) {
      run.signal.removeEventListener("abort", run.onAbort);
    }
    this.#deactivate();
    this.#idleWaiters = [];
    if (run.deadlock !== null) {
      this.#ready.clear();
      this.#wheel.clear();
      run.reject(run.deadlock);
      return;
    }
    const errors: unknown[] = [];
    let value: unknown;
    const main = run.main;
    if (main !== null) {
      try {
        value = main._result();
      } catch (error) {
        // A main body cancelled because a root failed reports that failure alone.
        if (!(isInstance(error, CancelledError) && run.errors.length > 0)) errors.push(error);
      }
    }
    errors.push(...run.errors);
    if (errors.length === 0) run.resolve(value);
    else if (errors.length === 1) run.reject(errors[0]);
    else run.reject(new AggregateError(errors, `${errors.length} errors in run()`));
  }

  // ------------------------------------------------------------- deadlock

  /** Returns true if a deadlock was found and cancellation started (work to do). */
  #checkDeadlock(): boolean {
    const run = this.#run as RunState;
    let local = true;
    this.#walk((task) => {
      if (local && !task._closing && !isLocalWait(task._waitingOn, this)) local = false;
    });
    if (!local) return false;
    if (run.deadlock !== null) {
      // The cleanup of a deadlocked run deadlocked as well: give up on it.
      this.#finish();
      return false;
    }
    run.deadlock = new DeadlockError(this.#stuckTasks());
    this.#shutdown();
    return this.#ready.length > 0;
  }

  #stuckTasks(): StuckTask[] {
    const stuck: StuckTask[] = [];
    this.#walk((task) => {
      if (task.isComplete) return;
      stuck.push({
        id: task.id,
        name: task.name,
        waitingOn: task.waitingOn ?? task.state,
      });
    });
    return stuck;
  }

  #walk(visit: (task: Task<unknown>) => void): void {
    const rec = (task: Task<unknown>): void => {
      visit(task);
      for (let c = task._firstChild; c !== null; c = c._nextSibling) rec(c);
    };
    for (let t = this._roots.first; t !== null; t = t._nextSibling) rec(t);
  }
}

/** Completes a run when its main task completes. */
class RunJoiner implements Joiner {
  readonly waker = null;
  nextJoiner: Joiner | null = null;
  readonly #rt: Runtime;
  constructor(rt: Runtime) {
    this.#rt = rt;
  }
  joinerDone(): void {
    this.#rt._mainDone();
  }
}

/** @internal The runtimes with a run in progress (what `corio ps` lists). */
export function activeRuntimeList(): Runtime[] {
  return [...activeRuntimes];
}

/** A small, fast, seedable PRNG (mulberry32): the seeded scheduler's shuffle. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A finished parent and child task, kept for the life of the process
 * (kept-shapes.ts says why): without them every run began by deoptimizing
 * `_step`, `_bodyEnded` and the sibling list (`--trace-deopt`: two to four
 * deopts per run; docs/internals.md, "Spawn path"). An idle runtime holding a
 * never-run task did not stop it: what must stay alive are tasks that ran and
 * completed, as these did. They are run by hand while the module loads, before
 * the observability layer registers (no hooks), on a runtime that is never
 * active: they appear in no listing.
 */
{
  const rt = new Runtime();
  const root = rt.spawn(function* () {
    const child = Task._spawn(
      function* () {
        yield* YIELD_NOW;
        return 1;
      },
      cur.task,
      rt,
      undefined,
      "spawn",
    );
    keepShapes(child);
    return (yield* child) + 1;
  });
  keepShapes(root);
  while (rt.step()) {}
}
