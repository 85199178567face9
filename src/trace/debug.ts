/**
 * Debug mode: the warnings of docs/observability.md ("Debug mode").
 *
 * The model
 * ---------
 * One `Debugger` per debug runtime, driven by that runtime's hooks
 * (`Instrument`): it sees every step end (slow steps, a starved event loop,
 * cleanup that never ends), swallowed cancellations, and the start and end of
 * each run (a heartbeat timer for starvation; the leak report). Futures never
 * awaited are tracked process-wide (`track`, installed into the kernel's
 * `instrumentation.track` once debug mode is on anywhere): each future an
 * operation creates is registered with a FinalizationRegistry together with
 * its creation stack; its first `poll()` or `cancel()` unregisters it, so one
 * that is collected while still registered was never awaited.
 */
import { type AsyncHook, createHook } from "node:async_hooks";
import { cur } from "../core/current.js";
import { thrownText } from "../core/describe-thrown.js";
import type { Future } from "../core/future.js";
import { describeFuture } from "../core/future.js";
import type { DebugOptions, DebugWarning, DebugWarningKind } from "../core/instrument.js";
import { instrumentation, taskLine } from "../core/instrument.js";
import type { Runtime } from "../core/runtime.js";
import type { Task } from "../core/task.js";
import { findLeaks, leakLine } from "./leaks.js";
import type { TaskMeta } from "./meta.js";
import { captureSite, userFrame } from "./stack.js";

/** How often the heartbeat checks that Node's event loop still turns. */
const HEARTBEAT_MS = 50;

/** Where warnings go by default: stderr. */
function defaultSink(warning: DebugWarning): void {
  console.warn(`corio: ${warning.message}`);
}

/** True when the environment turns debug mode on (`CORIO_DEBUG=1`). */
export function envDebug(): boolean {
  return envFlag(process.env.CORIO_DEBUG);
}

/** True when the environment turns per-task statistics on (`CORIO_STATS=1`). */
export function envStats(): boolean {
  return envFlag(process.env.CORIO_STATS);
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

type Sink = (warning: DebugWarning) => void;

export class Debugger {
  readonly #rt: Runtime;
  readonly #sink: Sink;
  readonly slowStepMs: number;
  readonly starvationMs: number;
  readonly stuckCancelMs: number;

  /** The last time Node's event loop ran our heartbeat. */
  #lastBeat = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  /** A starvation (or a slow step) was reported since the last heartbeat. */
  #reported = false;
  /** Busy time per task since the last heartbeat (whom to blame for starvation), and its sum. */
  #window = new Map<Task<unknown>, number>();
  #windowBusy = 0;
  /** Node handles the run's tasks opened and that are not closed yet (see `#watchHandles`). */
  #handles: HandleWatch | null = null;

  constructor(rt: Runtime, options: DebugOptions) {
    this.#rt = rt;
    const { onWarning, slowStepMs = 100, starvationMs = 200, stuckCancelMs = 5000 } = options;
    if (onWarning !== undefined && typeof onWarning !== "function")
      throw new TypeError("Runtime: debug.onWarning must be a function");
    for (const [k, v] of Object.entries({ slowStepMs, starvationMs, stuckCancelMs })) {
      if (typeof v !== "number" || !(v >= 0))
        throw new RangeError(`Runtime: debug.${k} must be a number >= 0, got ${String(v)}`);
    }
    this.#sink = onWarning ?? defaultSink;
    this.slowStepMs = slowStepMs;
    this.starvationMs = starvationMs;
    this.stuckCancelMs = stuckCancelMs;
    installTracker();
    rt._trackResources(); // what the run leaves open is reported with the line that opened it
  }

  /** Delivers a warning; a throwing sink must not break the runtime. */
  warn(
    kind: DebugWarningKind,
    message: string,
    task: Task<unknown> | null,
    at: string | null,
  ): void {
    const warning: DebugWarning = {
      kind,
      message,
      task: task === null ? null : { id: task.id, name: task.name },
      at,
    };
    try {
      this.#sink(warning);
    } catch (error) {
      console.error("corio: debug.onWarning threw:", error);
    }
  }

  get sink(): Sink {
    return this.#sink;
  }

  // ---------------------------------------------------------------- steps

  stepEnd(task: Task<unknown>, m: TaskMeta, t: number, dur: number): void {
    if (dur > this.slowStepMs) this.#slowStep(task, m, dur);
    else if (this.#heartbeat !== null) {
      this.#window.set(task, (this.#window.get(task) ?? 0) + dur);
      this.#windowBusy += dur;
      const lag = t - this.#lastBeat - HEARTBEAT_MS;
      // Blame the tasks only if their steps took much of the time; else the
      // heartbeat reports a block outside the steps once it gets its turn.
      if (!this.#reported && lag > this.starvationMs && this.#windowBusy > lag / 2)
        this.#starving(lag);
    }
    if (task._unwinding) {
      if (m.unwindingSince < 0) m.unwindingSince = m.stepAt;
      else if (!m.cancelWarned && t - m.unwindingSince > this.stuckCancelMs) {
        m.cancelWarned = true;
        const at = siteOf(task._waitingOn) ?? siteOf(m.resumedFrom);
        this.warn(
          "cancel-stuck",
          `${who(task, m)} is still running ${ms(t - m.unwindingSince)} after its cancellation took effect` +
            `${at === null ? "" : ` (now at ${at})`}: its cleanup does not end. A \`finally\` that ` +
            "continues a loop makes a task impossible to stop; cleanup that must finish belongs in shield().",
          task,
          at,
        );
      }
    }
  }

  #slowStep(task: Task<unknown>, m: TaskMeta, dur: number): void {
    this.#reported = true; // the same stall is not reported again as starvation
    const from = m.resumedFrom;
    const resumed =
      from === null
        ? m.polls <= 1
          ? "at its start"
          : "after yieldNow() or sleep(0)"
        : `at ${siteOf(from) ?? "an unknown line"} (after ${describe(from)})`;
    const next = task._waitingOn;
    const suspended =
      next === null || task.isComplete
        ? task.isComplete
          ? "; then it completed"
          : ""
        : `; it suspended next at ${siteOf(next) ?? "an unknown line"} (${describe(next)})`;
    const at = from === null ? userFrame(m.site) : siteOf(from);
    this.warn(
      "slow-step",
      `${who(task, m)} blocked the event loop for ${ms(dur)} in one step (threshold ${this.slowStepMs} ms); ` +
        `it resumed ${resumed}${suspended}. Move the work to smaller steps (yield* yieldNow()) or off the loop (runInWorker from corio/worker).`,
      task,
      at,
    );
  }

  #starving(lag: number): void {
    this.#reported = true;
    let blamed: Task<unknown> | null = null;
    let most = -1;
    for (const [task, busy] of this.#window) {
      if (busy > most) {
        most = busy;
        blamed = task;
      }
    }
    const m = blamed === null ? null : (blamed._meta as TaskMeta);
    this.warn(
      "starvation",
      `Node's event loop has had no turn for ${ms(lag)} (threshold ${this.starvationMs} ms): timers and I/O ` +
        `callbacks cannot run. ${this.#window.size} task(s) ran ${ms(this.#windowBusy)} meanwhile` +
        (blamed === null ? "" : `, most of it ${who(blamed, m)} (${ms(most)})`) +
        ". A task that never waits on time or I/O, or a loop of promises that settle at once, starves Node.",
      blamed,
      m === null ? null : userFrame(m.site),
    );
  }

  #beat = (): void => {
    const t = performance.now();
    const lag = t - this.#lastBeat - HEARTBEAT_MS;
    if (!this.#reported && lag > this.starvationMs) {
      this.warn(
        "starvation",
        `Node's event loop had no turn for ${ms(lag)} (threshold ${this.starvationMs} ms), outside corio's ` +
          "task steps: synchronous code or a loop of microtasks held it.",
        null,
        null,
      );
    }
    this.#lastBeat = t;
    this.#reported = false;
    this.#window.clear();
    this.#windowBusy = 0;
  };

  // ---------------------------------------------------------------- cancellation

  cancelSwallowed(task: Task<unknown>, m: TaskMeta, value: unknown): void {
    const at = siteOf(m.resumedFrom);
    this.warn(
      "cancel-swallowed",
      `${who(task, m)} was cancelled, but its body ended by returning ${summary(value)} instead of unwinding` +
        `${at === null ? "" : ` (it last resumed at ${at})`}: a \`finally\` that returns a value, or a frame ` +
        "that carried on after an inner frame's asynchronous cleanup (check the result of yield* for the " +
        "cancellation, see docs/internals.md). The task still counts as cancelled.",
      task,
      at,
    );
  }

  orphaned(parent: Task<unknown>, pm: TaskMeta, child: Task<unknown>, cm: TaskMeta): void {
    const at = cm === undefined ? null : userFrame(cm.site);
    this.warn(
      "orphan-cancelled",
      `${who(child, cm ?? null)} was cancelled only because the body of its parent ${who(parent, pm ?? null)} ` +
        "returned while it still ran: did you mean to join it (`yield* task`), or use taskGroup?",
      child,
      at,
    );
  }

  // ---------------------------------------------------------------- runs

  runStart(): void {
    this.#lastBeat = performance.now();
    this.#reported = false;
    this.#heartbeat = setInterval(this.#beat, HEARTBEAT_MS);
    this.#heartbeat.unref();
    this.#handles?.hook.disable(); // a previous run's check still pending
    this.#handles = watchHandles(this.#rt);
  }

  runEnd(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#window.clear();
    this.#windowBusy = 0;
    const rt = this.#rt;
    if (rt._roots.first !== null) {
      const tasks = rt.tasks().map((t) => `  ${taskLine(t)}`);
      this.warn(
        "leak",
        `the run ended with ${tasks.length} task(s) still alive:\n${tasks.join("\n")}`,
        null,
        null,
      );
    }
    // The same list as runTest's LeakError (trace/leaks.ts): each named with its line.
    const leaks = findLeaks(rt);
    const timers = leaks.filter((l) => l.kind === "timer");
    if (timers.length > 0) {
      this.warn(
        "leak",
        "the run ended with timers still filed: a future started a timer and was dropped without cancel():\n" +
          timers.map((l) => `  ${leakLine(l)}`).join("\n"),
        null,
        timers[0]?.at ?? null,
      );
    }
    const open = leaks.filter((l) => l.kind !== "timer");
    if (open.length > 0) {
      this.warn(
        "leak",
        `the run ended with ${open.length} resource(s) its tasks opened still open ` +
          "(close each, or declare it with `using`):\n" +
          open.map((l) => `  ${leakLine(l)}`).join("\n"),
        null,
        open[0]?.at ?? null,
      );
    }
    const external = rt._externalPending;
    if (external > 0) {
      this.warn(
        "leak",
        `the run ended with ${external} outside operation(s) (call(), I/O) still pending: ` +
          "a future called _externalStart() without a matching _externalEnd()",
        null,
        null,
      );
    }
    const watch = this.#handles;
    if (watch === null) return;
    watch.ended = true;
    // Handles closed at the end of the run report their close a turn or two of
    // Node's loop later (async_hooks' destroy is deferred), and a socket closed
    // gracefully lives on until the peer's FIN: look again a few times before
    // calling anything a leak. Handles that no longer keep the process alive
    // (unref'd: a lingering close's timer) are not counted.
    let looks = 0;
    const check = (): void => {
      const open = new Map<string, number>();
      for (const h of watch.live.values()) {
        if (!HANDLE_TYPES.has(h.type)) continue;
        if (h.type === "Timeout" && !isActiveTimer(h.resource)) continue;
        if (!keepsAlive(h.resource)) continue;
        const key = `${h.type} (opened by ${h.by})`;
        open.set(key, (open.get(key) ?? 0) + 1);
      }
      if (open.size > 0 && ++looks < LEAK_LOOKS) {
        setTimeout(check, LEAK_LOOK_MS).unref();
        return;
      }
      watch.hook.disable();
      if (this.#handles === watch) this.#handles = null;
      if (open.size > 0)
        this.warn(
          "leak",
          "Node handles opened by the run's tasks are still open after it ended: " +
            `${[...open].map(([k, n]) => `${n} × ${k}`).join(", ")} ` +
            "(sockets, servers, timers, processes or files the run did not close)",
          null,
          null,
        );
    };
    setImmediate(() => setImmediate(check).unref()).unref();
  }
}

/** Node handle types a run can leave open (async_hooks names); one-shot requests are not counted. */
const HANDLE_TYPES = new Set([
  "Timeout",
  "TCPWRAP",
  "TCPSERVERWRAP",
  "PIPEWRAP",
  "PIPESERVERWRAP",
  "UDPWRAP",
  "PROCESSWRAP",
  "FSEVENTWRAP",
  "STATWATCHER",
  "SIGNALWRAP",
  "FILEHANDLE",
  "TTYWRAP",
]);

/** At most this many open handles are remembered per run. */
const MAX_HANDLES = 100_000;

interface HandleWatch {
  hook: AsyncHook;
  live: Map<number, { type: string; by: string; resource: object }>;
  ended: boolean;
}

/**
 * Remembers the Node handles created while a step of `runtime` is on the
 * stack (or by a handle it created: a server's accepted sockets), until they
 * are closed (async_hooks' destroy). Handles other code opens at the same
 * time are not the run's and are not counted.
 */
function watchHandles(runtime: Runtime): HandleWatch {
  const watch: HandleWatch = {
    hook: createHook({
      init(id, type, trigger, resource) {
        // Every resource but promises is followed (a listen's DNS request leads to its server handle).
        if (type === "PROMISE" || watch.live.size >= MAX_HANDLES) return;
        const parent = watch.live.get(trigger);
        if (parent !== undefined) {
          watch.live.set(id, { type, by: parent.by, resource });
        } else if (!watch.ended && cur.rt === runtime) {
          const task = cur.task;
          watch.live.set(id, {
            type,
            by: task === null ? "the runtime" : who(task, null),
            resource,
          });
        }
      },
      destroy(id) {
        watch.live.delete(id);
      },
    }),
    live: new Map(),
    ended: false,
  };
  watch.hook.enable();
  return watch;
}

/** How often, and how far apart, the end-of-run check looks for handles still open. */
const LEAK_LOOKS = 4;
const LEAK_LOOK_MS = 50;

/** False for a handle that was unref'd (it no longer holds the process open). */
function keepsAlive(resource: object): boolean {
  const hasRef = (resource as { hasRef?: () => boolean }).hasRef;
  return typeof hasRef !== "function" || hasRef.call(resource) !== false;
}

/** A Node timer that will still fire (not cleared, not a one-shot that already ran). */
function isActiveTimer(resource: object): boolean {
  const t = resource as { _destroyed?: boolean; _idleTimeout?: number };
  return t._destroyed !== true && t._idleTimeout !== -1;
}

/** `task "name" #id (spawned at file:line)`. */
function who(task: Task<unknown>, m: TaskMeta | null): string {
  const site = m === null ? null : userFrame(m.site);
  return `task ${JSON.stringify(task.name)} #${task.id}${site === null ? "" : ` (spawned at ${site})`}`;
}

function ms(v: number): string {
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ms`;
}

function summary(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object" && value !== null) {
    let name: unknown;
    try {
      name = value.constructor?.name; // a Proxy's trap or a getter may throw
    } catch {}
    return `a ${typeof name === "string" && name !== "" ? name : "object"}`;
  }
  return thrownText(value);
}

function describe(future: object): string {
  return describeFuture(future as Future<unknown>)
    .replace(/ \((not started|elapsed|\d+ ms left)\)$/, "")
    .replace(/, \d+ ms left\)$/, ")");
}

// ---------------------------------------------------------------- futures never awaited

/** Where each tracked future was created. */
const sites = new WeakMap<object, Error>();

/** The stack where a future was created, if debug mode saw it created (`trackCreation`). */
export function creationSite(future: object): Error | null {
  return sites.get(future) ?? null;
}

/** Where a future was created (`file:line:column`), if debug mode saw it created. */
function siteOf(future: object | null | undefined): string | null {
  return future == null ? null : userFrame(sites.get(future));
}

interface Pending {
  site: Error;
  what: string;
  sink: Sink;
  done: boolean;
}

const neverAwaited = new FinalizationRegistry<Pending>((p) => {
  const at = userFrame(p.site);
  p.sink({
    kind: "never-awaited",
    message:
      `${p.what} was created${at === null ? "" : ` at ${at}`} but never awaited: an operation does ` +
      "nothing until a task waits on it (did you forget `yield*`?)",
    task: null,
    at,
  });
});

/** Installs the tracker into the kernel (once): from then on `trackCreation` costs a call. */
export function installTracker(): void {
  instrumentation.track ??= track;
}

function track(future: object, awaitable: boolean): void {
  const rt = cur.rt;
  let sink: Sink;
  if (rt !== null) {
    const hooks = rt._hooks as { debugger?: Debugger | null } | null;
    const dbg = hooks?.debugger ?? null;
    if (dbg === null) return;
    sink = dbg.sink;
  } else if (envDebug()) {
    sink = defaultSink;
  } else {
    return;
  }
  const site = captureSite();
  sites.set(future, site);
  if (!awaitable) return;
  const p: Pending = { site, what: describe(future), sink, done: false };
  neverAwaited.register(future, p, p);
  // The first poll or cancel (a task cancelled at that very yield) means it was awaited.
  const f = future as { poll: (cx: unknown) => unknown; cancel?: () => void };
  const poll = f.poll;
  f.poll = function (this: unknown, cx: unknown): unknown {
    if (!p.done) awaited(p);
    return poll.call(this, cx);
  };
  const cancel = f.cancel;
  if (typeof cancel === "function") {
    f.cancel = function (this: unknown): void {
      if (!p.done) awaited(p);
      cancel.call(this);
    };
  }
}

function awaited(p: Pending): void {
  p.done = true;
  neverAwaited.unregister(p);
}
