/**
 * The hooks a runtime gets when it is created with `trace`, `debug` or
 * `stats`: per-task statistics always, plus the trace recorder and the
 * debugger when asked for. A runtime with none of them gets no hooks at all
 * (`_hooks === null`: one branch per event in the kernel).
 *
 * The model
 * ---------
 * Each task gets a `TaskMeta` at spawn. The kernel calls, per step:
 * `stepStart` → (any number of ready futures) → `park` if a future was
 * pending → `stepEnd`; later `wake` (by a task, a timer or outside code), or a
 * cancel that schedules the task without a wake (seen at its next
 * `stepStart`). `complete` comes inside the last step, or later for a task
 * that waited for its children. From these: a step is [stepStart, stepEnd]; a
 * wait is [stepEnd of the step that parked, wake] (so steps and waits of a task
 * never overlap); `busy` and `idle` sum them.
 *
 * Clock: `performance.now()`, read once per hook call.
 */
import { resolve } from "node:path";
import { cur } from "../core/current.js";
import { thrownText } from "../core/describe-thrown.js";
import type { Future } from "../core/future.js";
import { describeFuture } from "../core/future.js";
import type { Hooks, TraceEvent, TraceFile } from "../core/instrument.js";
import type { Runtime, RuntimeOptions, TaskInfo } from "../core/runtime.js";
import type { Task } from "../core/task.js";
import { Timer, timerRequests } from "../core/timer.js";
import { Debugger, envDebug, envStats } from "./debug.js";
import { metaOf, TaskMeta } from "./meta.js";
import {
  END_CANCELLED,
  END_DONE,
  END_FAILED,
  FLOW_SPAWN,
  FLOW_WAKE,
  type OpenWait,
  Recorder,
  WOKEN_CANCEL,
  WOKEN_CHILDREN,
  WOKEN_OUTSIDE,
  WOKEN_TIMER,
} from "./recorder.js";
import { captureSite, userFrame } from "./stack.js";
import { writeTraceFile } from "./write.js";

/** The kernel's factory (`instrumentation.create`): hooks for `rt`, or null if nothing is asked. */
export function createInstrument(rt: Runtime, options: RuntimeOptions): Hooks | null {
  const { trace = false } = options;
  // CORIO_STATS=1: poll counts and busy/idle times for `corio ps` with no change to the program.
  const stats = options.stats ?? envStats();
  const debug = options.debug ?? envDebug();
  if (typeof trace !== "boolean" && (typeof trace !== "string" || trace === ""))
    throw new TypeError("Runtime: trace must be a boolean or a file path");
  if (typeof debug !== "boolean" && (typeof debug !== "object" || debug === null))
    throw new TypeError("Runtime: debug must be a boolean or an options object");
  if (typeof stats !== "boolean") throw new TypeError("Runtime: stats must be a boolean");
  if (trace === false && debug === false && !stats) return null;
  timerRequests.keep = true; // listings can say "sleep 250 ms (120 ms left)"
  return new Instrument(
    rt,
    trace === false ? null : new Recorder(),
    typeof trace === "string" ? resolve(trace) : null,
    debug === false ? null : new Debugger(rt, debug === true ? {} : debug),
  );
}

class Instrument implements Hooks {
  readonly #rt: Runtime;
  readonly recorder: Recorder | null;
  readonly tracePath: string | null;
  readonly debugger: Debugger | null;

  constructor(
    rt: Runtime,
    recorder: Recorder | null,
    tracePath: string | null,
    debug: Debugger | null,
  ) {
    this.#rt = rt;
    this.recorder = recorder;
    this.tracePath = tracePath;
    this.debugger = debug;
  }

  spawn(task: Task<unknown>): void {
    const t = performance.now();
    const m = new TaskMeta(this, t);
    task._meta = m;
    if (this.debugger !== null) m.site = captureSite();
    const rec = this.recorder;
    if (rec !== null) {
      const parent = task.parent;
      rec.spawn(task.id, t, parent === null ? -1 : parent.id, task.name);
      const by = cur.task;
      if (by !== null && metaOf(by, this) !== null) {
        m.flowFrom = by.id;
        m.flowAt = t;
        m.flowCat = FLOW_SPAWN;
      }
    }
  }

  stepStart(task: Task<unknown>): void {
    const m = task._meta as TaskMeta;
    const t = performance.now();
    // Parked, and stepping without a wake: a cancel scheduled it.
    if (m.parkedAt >= 0) this.#closeWait(task, m, t, WOKEN_CANCEL);
    m.polls++;
    m.stepAt = t;
    if (this.debugger !== null) m.resumedFrom = task._waitingOn;
  }

  stepEnd(task: Task<unknown>): void {
    const m = task._meta as TaskMeta;
    const t = performance.now();
    const dur = t - m.stepAt;
    m.busy += dur;
    const rec = this.recorder;
    if (rec !== null) {
      rec.step(task.id, m.stepAt, dur, m.polls);
      if (m.flowFrom !== 0) {
        // Just inside the step, so the flow binds to it.
        rec.flow(task.id, m.stepAt + Math.min(dur / 2, 0.001), m.flowFrom, m.flowAt, m.flowCat);
        m.flowFrom = 0;
      }
    }
    if (task._parked) {
      m.parkedAt = t;
      if (task._closing) m.waitName = "its children to finish";
    }
    if (this.debugger !== null) this.debugger.stepEnd(task, m, t, dur);
  }

  park(task: Task<unknown>, on: Future<unknown>): void {
    if (this.recorder !== null) (task._meta as TaskMeta).waitName = waitName(on);
  }

  wake(task: Task<unknown>, by: Task<unknown> | null): void {
    const m = task._meta as TaskMeta;
    const t = performance.now();
    m.readyAt = t;
    if (m.parkedAt < 0) return;
    let wokenBy = WOKEN_OUTSIDE;
    if (this.recorder !== null) {
      const on = task._waitingOn;
      if (by !== null) {
        if (metaOf(by, this) !== null) {
          wokenBy = by.id;
          m.flowFrom = by.id;
          m.flowAt = t;
          m.flowCat = FLOW_WAKE;
        }
      } else if (on instanceof Timer) {
        wokenBy = WOKEN_TIMER;
      }
    }
    this.#closeWait(task, m, t, wokenBy);
  }

  #closeWait(task: Task<unknown>, m: TaskMeta, t: number, wokenBy: number): void {
    const since = m.parkedAt;
    m.parkedAt = -1;
    m.idle += t - since;
    if (this.recorder !== null) this.recorder.wait(task.id, since, t - since, m.waitName, wokenBy);
  }

  complete(task: Task<unknown>): void {
    const m = task._meta as TaskMeta;
    const t = performance.now();
    // It waited for its children; the last one has completed.
    if (m.parkedAt >= 0) this.#closeWait(task, m, t, WOKEN_CHILDREN);
    const rec = this.recorder;
    if (rec === null) return;
    const state = task.state;
    let text: string | null = null;
    if (state === "failed") text = errorText(task._outcome);
    else if (state === "cancelled") text = reasonText(task._outcome);
    rec.end(
      task.id,
      t,
      state === "done" ? END_DONE : state === "failed" ? END_FAILED : END_CANCELLED,
      text,
    );
  }

  cancelSwallowed(task: Task<unknown>, value: unknown): void {
    if (this.debugger !== null) this.debugger.cancelSwallowed(task, task._meta as TaskMeta, value);
  }

  orphaned(parent: Task<unknown>, child: Task<unknown>): void {
    if (this.debugger !== null)
      this.debugger.orphaned(parent, parent._meta as TaskMeta, child, child._meta as TaskMeta);
  }

  #onExit = (): void => {
    // The process is exiting in the middle of a run (process.exit): save what we have.
    this.#writeTrace();
  };

  runStart(): void {
    this.debugger?.runStart();
    if (this.tracePath !== null) process.on("exit", this.#onExit);
  }

  runEnd(): void {
    try {
      this.debugger?.runEnd();
    } catch (error) {
      console.error("corio: debug mode failed at the end of the run:", error);
    }
    if (this.tracePath !== null) {
      process.off("exit", this.#onExit);
      this.#writeTrace();
    }
  }

  #writeTrace(): void {
    const path = this.tracePath as string;
    try {
      writeTraceFile(path, this.traceEvents() as TraceFile);
    } catch (error) {
      console.error(`corio: could not write the trace to ${path}:`, error);
    }
  }

  info(task: Task<unknown>, info: TaskInfo): void {
    const m = metaOf(task, this);
    if (m === null) return;
    const t = performance.now();
    info.spawnedAt = userFrame(m.site);
    info.polls = m.polls;
    info.busyMs = round(m.busy + (task.state === "running" ? t - m.stepAt : 0));
    info.idleMs = round(m.idle + (m.parkedAt >= 0 ? t - m.parkedAt : 0));
    info.sinceWakeMs = round(t - m.readyAt);
  }

  traceEvents(): TraceFile | null {
    const rec = this.recorder;
    if (rec === null) return null;
    const open: OpenWait[] = [];
    const visit = (task: Task<unknown>): void => {
      const m = metaOf(task, this);
      if (m !== null && m.parkedAt >= 0)
        open.push({ tid: task.id, since: m.parkedAt, name: m.waitName });
      for (let c = task._firstChild; c !== null; c = c._nextSibling) visit(c);
    };
    for (let t = this.#rt._roots.first; t !== null; t = t._nextSibling) visit(t);
    return rec.export(open, performance.now());
  }
}

/** A wait's name in a trace: what the future waits on, without the time left when it parked. */
function waitName(future: Future<unknown>): string {
  const text = describeFuture(future);
  // Called at every park while tracing: most waits (joins, channels) have no time to strip.
  if (!text.endsWith(" ms left)")) return text;
  return text.replace(/ \(\d+ ms left\)$/, "").replace(/, \d+ ms left\)$/, ")");
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function errorText(error: unknown): string {
  return thrownText(error);
}

function reasonText(reason: unknown): string {
  return reason === undefined ? "cancelled" : thrownText(reason);
}

/**
 * Where a worker runtime's trace goes: into the trace of `rt`, the runtime of
 * the task that spawned it, or null if `rt` does not trace. The worker's
 * events keep their task ids as `tid` (ids are process-wide once workers
 * exist), so each of its tasks has its own row, named with its thread; its
 * root's parent is the spawning task (`spawnedBy`).
 */
export function workerTraceSink(
  rt: Runtime,
): ((file: TraceFile, timeOrigin: number, thread: number, spawnedBy: number) => void) | null {
  const hooks = rt._hooks;
  if (!(hooks instanceof Instrument) || hooks.recorder === null) return null;
  const recorder = hooks.recorder;
  return (file, timeOrigin, thread, spawnedBy) => {
    // performance.now() counts from each thread's own origin.
    const shift = Math.round((timeOrigin - performance.timeOrigin) * 1e6) / 1e3;
    const pid = process.pid;
    const events: TraceEvent[] = [];
    for (const e of file.traceEvents) {
      if (e.ph === "M") {
        if (e.name === "process_name") continue;
        const args = e.args as Record<string, unknown>;
        events.push({
          ...e,
          pid,
          args:
            e.name === "thread_name" ? { name: `${String(args.name)} [thread ${thread}]` } : args,
        });
        continue;
      }
      const moved: TraceEvent = { ...e, pid, ts: (e.ts as number) + shift };
      // The worker's root is the body of the task that spawned it.
      if (e.name === "spawn" && e.cat === "task" && e.args?.parent === null)
        moved.args = { parent: spawnedBy };
      // Flow ids count from 1 in each thread: keep the worker's apart from ours.
      if (moved.id !== undefined) moved.id += thread * 1_000_000;
      events.push(moved);
    }
    recorder.adopt(events);
  };
}

/** True if `rt` records a trace. */
export function isTracing(rt: Runtime): boolean {
  const hooks = rt._hooks;
  return hooks instanceof Instrument && hooks.recorder !== null;
}
