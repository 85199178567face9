/**
 * `spawnWorker(module, {args, name})`: a child task whose body runs on a corio
 * runtime of its own, in a new worker thread.
 *
 * The model
 * ---------
 * The returned task is an ordinary child of the current task. Its body (in
 * this thread) starts the thread at its first step and waits on it; the
 * thread (spawn-thread.ts) imports the module and runs its default export
 * with `args` as the root task of a fresh runtime. So join, failure of an
 * unjoined child and structure all come from the kernel; this file only maps
 * the thread's life onto the body:
 *
 *   STARTING ──outcome message──▶ SETTLED ──thread exit──▶ EXITED (the body returns or throws)
 *       └──── 'error' / exit without an outcome (a crash) ──────▶ EXITED (WorkerCrashError)
 *
 * Cancelling the task drops the wait (the kernel calls the future's
 * `cancel()`), which asks the thread to cancel its root; the body's `finally`
 * then waits for the thread to exit, so the worker's cleanup (asynchronous
 * too) is over before the join completes. While the thread lives it counts as
 * outside work for its runtime (no false deadlock, no virtual-time jump), and
 * it answers `corio ps` (threads.ts) under the task's id.
 */
import type { ResourceLimits, Worker } from "node:worker_threads";
import { cur } from "../core/current.js";
import type { Context, Coroutine, Pending, Waker } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import type { Runtime } from "../core/runtime.js";
import { spawn } from "../core/spawn.js";
import type { Task } from "../core/task.js";
import type { RuntimeSnapshot } from "../trace/inspect.js";
import { isTracing, workerTraceSink } from "../trace/runtime-hooks.js";
import { addThreadSource, removeThreadSource, type ThreadSource } from "../trace/threads.js";
import { deserializeError, WorkerCrashError } from "./errors.js";
import { sharedTaskIds } from "./ids.js";
import { moduleLabel, moduleUrl } from "./module-ref.js";
import { type MovedArgs, moveArgs } from "./move.js";
import type { FromWorker, ToWorker, WorkerStart } from "./protocol.js";
import { startThread } from "./thread-start.js";

/** Options for `spawnWorker`. */
export interface SpawnWorkerOptions {
  /**
   * Arguments for the module's default export, structured-cloned to the
   * thread; worker channel ends in them move to the thread.
   * @default []
   */
  args?: unknown[];
  /** A name for the task (and the worker's root task). @default "worker <file name>" */
  name?: string;
  /** Passed to `new Worker()`: heap limits for the thread (exceeding them fails the task). */
  resourceLimits?: ResourceLimits;
}

/** How long a thread that sent its outcome may take to exit by itself before it is terminated. */
const EXIT_GRACE_MS = 2000;

/**
 * Runs a module's default-exported coroutine function on a corio runtime of
 * its own, in a new worker thread, as a child task of the current task.
 * Joining gives its return value (structured-cloned); its error fails the
 * join — or the parent, when unjoined — with the worker's `name`, `message`
 * and stack. `module` is an absolute path or a `file:` URL
 * (`new URL("./worker.js", import.meta.url)`); TypeScript works under
 * `corio run` and tsx.
 *
 * Cancellation: cancels the worker's root task; the worker's cleanup (even
 * asynchronous) has finished, and the thread has exited, when the join
 * completes (with `CancelledError`, or the error the cleanup threw).
 * Throws: at the call, for a relative path, a missing module, an argument
 * that cannot be cloned, or no current task; at the join, for a module
 * without a default-exported coroutine function, and `WorkerCrashError` if
 * the thread died (an uncaught error, `process.exit()`, out of memory).
 *
 * @example
 * const hasher = spawnWorker<string>(new URL("./hash.js", import.meta.url), { args: [path] });
 * const digest = yield* hasher;
 */
export function spawnWorker<T = unknown>(
  module: string | URL,
  options: SpawnWorkerOptions = {},
): Task<T> {
  const url = moduleUrl(module, "spawnWorker");
  const label = moduleLabel(url);
  if (cur.task === null)
    throw new Error(
      "spawnWorker() needs a current task: call it inside a running coroutine (inside run() or main())",
    );
  const name = options.name ?? `worker ${label}`;
  if (typeof name !== "string")
    throw new TypeError(`spawnWorker(${label}): options.name must be a string`);
  const moved = moveArgs(options.args ?? [], `spawnWorker(${label})`, `worker "${name}"`);
  const thread = new WorkerThread(url, label, name, moved, options.resourceLimits);
  const task = spawn(() => workerBody<T>(thread), { name });
  // Cancelled before its first step, the task runs no code: close the ends it was given here.
  task.signal.addEventListener("abort", () => thread.dropUnstarted(), { once: true });
  return task;
}

function* workerBody<T>(thread: WorkerThread): Coroutine<T> {
  try {
    return (yield* new ThreadFuture(thread, false)) as T;
  } finally {
    if (!thread.exited) {
      // Cancelled: the worker's root is cancelled; wait for its cleanup and the thread.
      thread.cancel();
      yield* new ThreadFuture(thread, true);
    }
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown } | { cancelled: true };

let nextRequest = 0;

/** One worker thread, from its start to its exit. */
class WorkerThread implements ThreadSource {
  readonly #url: string;
  readonly #label: string;
  readonly #name: string;
  #moved: MovedArgs | null;
  readonly #limits: ResourceLimits | undefined;
  #worker: Worker | null = null;
  #rt: Runtime | null = null;
  #taskId = 0;
  #outcome: Outcome | null = null;
  #crash: Error | null = null;
  exited = false;
  #waker: Waker | null = null;
  #graceTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #requests = new Map<number, (runtimes: RuntimeSnapshot[]) => void>();

  constructor(
    url: string,
    label: string,
    name: string,
    moved: MovedArgs,
    limits: ResourceLimits | undefined,
  ) {
    this.#url = url;
    this.#label = label;
    this.#name = name;
    this.#moved = moved;
    this.#limits = limits;
  }

  get started(): boolean {
    return this.#worker !== null;
  }

  /** The task was cancelled before the thread started: the other sides see its channel ends close. */
  dropUnstarted(): void {
    const moved = this.#moved;
    if (this.#worker !== null || moved === null) return;
    this.#moved = null;
    for (const port of moved.ports) port.close();
  }

  /** Starts the thread (at the task's first step). */
  start(): void {
    const moved = this.#moved as MovedArgs;
    this.#moved = null;
    const rt = cur.rt as Runtime;
    const task = cur.task as Task<unknown>;
    this.#rt = rt;
    this.#taskId = task.id;
    const data: WorkerStart = {
      module: this.#url,
      args: moved.args,
      ends: moved.ends,
      name: this.#name,
      taskId: task.id,
      ids: sharedTaskIds(),
      trace: isTracing(rt),
    };
    const worker = startThread("spawn-thread", {
      workerData: data,
      transferList: moved.ports,
      ...(this.#limits === undefined ? {} : { resourceLimits: this.#limits }),
    });
    this.#worker = worker;
    rt._externalStart();
    addThreadSource(this);
    worker.on("message", (m: FromWorker) => this.#onMessage(m));
    worker.on("error", (error: Error) => this.#onError(error));
    worker.on("exit", (code: number) => this.#onExit(code));
  }

  /** Asks the worker to cancel its root task (its cleanup runs there). */
  cancel(): void {
    if (this.#worker === null || this.#outcome !== null || this.exited) return;
    this.#worker.postMessage({ t: "cancel" } satisfies ToWorker);
  }

  setWaker(waker: Waker | null): void {
    this.#waker = waker;
  }

  /** The result once the thread has exited: the value, or throws. */
  result(): unknown {
    const o = this.#outcome;
    if (o === null || "cancelled" in o) {
      if (this.#crash !== null) throw this.#crash;
      return undefined; // cancelled: the kernel reports the task's own cancellation
    }
    if (o.ok) return o.value;
    throw o.error;
  }

  describe(cleanup: boolean): string {
    const thread = this.#worker === null ? "" : `, thread ${this.#worker.threadId}`;
    return `worker ${this.#label}${thread}${cleanup ? " finishing its cleanup" : ""}`;
  }

  snapshot(budgetMs: number): Promise<RuntimeSnapshot[]> {
    const worker = this.#worker;
    if (worker === null || this.exited) return Promise.resolve([]);
    const id = ++nextRequest;
    const thread = worker.threadId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#requests.delete(id);
        resolve([
          { tasks: [], dump: "", truncated: false, thread, spawnedBy: this.#taskId, busy: true },
        ]);
      }, budgetMs);
      timer.unref();
      this.#requests.set(id, (runtimes) => {
        clearTimeout(timer);
        resolve(runtimes);
      });
      try {
        worker.postMessage({ t: "snapshot", id, budgetMs: budgetMs / 2 } satisfies ToWorker);
      } catch {}
    });
  }

  #onMessage(m: FromWorker): void {
    switch (m.t) {
      case "snapshot":
        this.#requests.get(m.id)?.(m.runtimes);
        this.#requests.delete(m.id);
        return;
      case "trace": {
        const sink = workerTraceSink(this.#rt as Runtime);
        if (sink !== null)
          sink(m.file, m.timeOrigin, (this.#worker as Worker).threadId, this.#taskId);
        return;
      }
      case "done":
        this.#outcome = { ok: true, value: m.value };
        break;
      case "failed":
        this.#outcome = { ok: false, error: deserializeError(m.error) };
        break;
      case "cancelled":
        this.#outcome = { cancelled: true };
        break;
    }
    // The thread ends by itself once its runtime is done; one that something
    // keeps alive (a handle the module left open) is ended for it.
    this.#graceTimer = setTimeout(() => this.#worker?.terminate(), EXIT_GRACE_MS);
  }

  #onError(error: Error): void {
    if (this.#outcome !== null || this.#crash !== null) return;
    const what = `worker "${this.#name}" (${this.#label})`;
    this.#crash =
      (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY"
        ? new WorkerCrashError(`${what} ran out of memory`, "out-of-memory", { cause: error })
        : new WorkerCrashError(
            `${what} crashed: an error escaped its runtime (thrown from a callback, not from its tasks): ${error.name}: ${error.message}`,
            "uncaught",
            { cause: error },
          );
  }

  #onExit(code: number): void {
    this.exited = true;
    if (this.#graceTimer !== null) clearTimeout(this.#graceTimer);
    if (this.#outcome === null && this.#crash === null) {
      this.#crash = new WorkerCrashError(
        `worker "${this.#name}" (${this.#label}) exited with code ${code} before its body finished (process.exit() in the worker?)`,
        "exit",
      );
    }
    for (const answer of this.#requests.values()) answer([]);
    this.#requests.clear();
    removeThreadSource(this);
    (this.#rt as Runtime)._externalEnd();
    const waker = this.#waker;
    this.#waker = null;
    waker?.wake();
  }
}

/** Waits for the thread to exit: its outcome (`cleanup` false), or the end of its cleanup. */
class ThreadFuture extends FutureBase<unknown> {
  readonly #thread: WorkerThread;
  readonly #cleanup: boolean;

  constructor(thread: WorkerThread, cleanup: boolean) {
    super();
    this.#thread = thread;
    this.#cleanup = cleanup;
  }

  poll(cx: Context): unknown | Pending {
    const thread = this.#thread;
    if (!thread.started) thread.start();
    if (thread.exited) return thread.result();
    thread.setWaker(cx.waker);
    return PENDING;
  }

  cancel(): void {
    this.#thread.setWaker(null);
  }

  override describe(): string {
    return this.#thread.describe(this.#cleanup);
  }
}
