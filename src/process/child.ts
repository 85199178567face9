/**
 * Child processes: `exec` → `Child`, and `output` for run-and-collect.
 *
 * The model
 * ---------
 * `exec` starts the program at its first poll (Node's `child_process.spawn`)
 * and completes on Node's `spawn` event, or throws its `error` (ENOENT for a
 * missing program). The `Child` then owns three things: the process, and its
 * piped stdio as `ByteStream`s (the stream machinery of `corio/net`, so a task
 * that stops reading a child's output holds the child back once the pipe is
 * full). Its state is RUNNING until Node's `exit` event, then EXITED with an
 * `ExitStatus`; Node (libuv) reaps the process as it exits, so no zombie is
 * left behind.
 *
 * Process groups: the child leads its own process group unless
 * `processGroup: false`, so stopping it reaches what it started too
 * (`./group.ts`). The catch, for an interactive program: a child in its own
 * group (and session) has no controlling terminal and does not get the
 * terminal's Ctrl-C; `processGroup: false` keeps it in ours.
 *
 * Ownership: whoever holds the `Child` closes it — with `using`, or `close()`
 * in a `finally` — and closing stops its group (`killSignal`, SIGTERM by
 * default, then SIGKILL after `killTimeoutMs` if anything in it still lives)
 * and closes its pipes. `close()` is synchronous; the SIGKILL follows on a
 * timer. So a task that is cancelled while its child runs stops it in its
 * cleanup; `output()` does that for you and also waits for the child to be
 * reaped before its cancellation completes.
 */

import { type ChildProcess, spawn as spawnChild } from "node:child_process";
import { constants } from "node:os";
import { type Exit, withCleanup } from "../core/cleanup.js";
import type { Context, Coroutine, Future, Pending, Waker } from "../core/future.js";
import { FutureBase, PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import {
  openingSite,
  type ResourceEntry,
  resourceClosed,
  resourceOpened,
} from "../core/resources.js";
import { ioError } from "../net/errors.js";
import { IoFuture } from "../net/io-future.js";
import { type ByteStream, nodeByteStream } from "../net/stream.js";
import { type Target, terminate } from "./group.js";

/** What to connect a child's stdin, stdout or stderr to. */
export type StdioOption = "pipe" | "inherit" | "ignore";

/** Options for `exec` and `output`. */
export interface ExecOptions {
  /** The working directory. @default the current one */
  cwd?: string;
  /** The environment. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default "pipe" for `exec`, "ignore" for `output` */
  stdin?: StdioOption;
  /** @default "pipe" */
  stdout?: StdioOption;
  /** @default "pipe" */
  stderr?: StdioOption;
  /**
   * The first signal `close()` (and `using`, and cancelling `output`) sends to
   * the child's group; SIGKILL follows after `killTimeoutMs`. @default "SIGTERM"
   */
  killSignal?: NodeJS.Signals;
  /**
   * How long `close()` gives the group to exit after `killSignal` before it
   * sends SIGKILL to whatever in it still lives. @default 5000
   */
  killTimeoutMs?: number;
  /**
   * Start the child as the leader of its own process group, so `close()`
   * stops everything it started (a shell's children too). `false` keeps it
   * in this process's group: for an interactive child that needs the
   * terminal (its Ctrl-C, reading from it); then only the child itself is
   * signalled. A descendant that starts its own session (setsid) leaves any
   * group and is not stopped either way. @default true
   */
  processGroup?: boolean;
}

interface StopPolicy {
  readonly signal: NodeJS.Signals;
  readonly killTimeoutMs: number;
  readonly group: boolean;
}

/** How a child ended. */
export interface ExitStatus {
  /** The exit code, or null if a signal ended it. */
  code: number | null;
  /** The signal that ended it ("SIGTERM", ...), or null. */
  signal: NodeJS.Signals | null;
  /** True for exit code 0. */
  success: boolean;
}

/** What `output` returns: the exit status and everything the child wrote. */
export interface Output extends ExitStatus {
  stdout: Buffer;
  stderr: Buffer;
}

class ChildCore {
  readonly process: ChildProcess;
  readonly name: string;
  readonly policy: StopPolicy;
  status: ExitStatus | null = null;
  waiters: Waker[] = [];
  /** Its entry in the runtime's open-resource registry (leak checks): open until closed or exited. */
  leak: ResourceEntry | null = null;

  constructor(process: ChildProcess, name: string, policy: StopPolicy) {
    this.process = process;
    this.name = name;
    this.policy = policy;
  }

  /**
   * Stops the child: the whole group (even after the child itself exited,
   * for what it left running), or just the child without a group.
   */
  stop(): void {
    const pid = this.process.pid;
    if (pid === undefined) return; // never started
    const { signal, killTimeoutMs, group } = this.policy;
    if (!group && this.status !== null) return;
    const target: Target = { pid, group };
    terminate(target, signal, killTimeoutMs);
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    resourceClosed(this.leak);
    this.status = { code, signal, success: code === 0 };
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.wake();
  }
}

class WaitFuture extends IoFuture<ExitStatus> {
  readonly #core: ChildCore;
  #waker: Waker | null = null;

  constructor(core: ChildCore) {
    super();
    this.#core = core;
  }

  poll(cx: Context): ExitStatus | Pending {
    const status = this.#core.status;
    if (status !== null) {
      this.settled();
      return status;
    }
    if (this.#waker !== cx.waker) {
      this.#unregister();
      this.#waker = cx.waker;
      this.#core.waiters.push(cx.waker);
    }
    this.waiting();
    return PENDING;
  }

  #unregister(): void {
    const w = this.#waker;
    if (w === null) return;
    const i = this.#core.waiters.indexOf(w);
    if (i >= 0) this.#core.waiters.splice(i, 1);
    this.#waker = null;
  }

  protected override dropped(): void {
    this.#unregister();
  }

  override describe(): string {
    return `wait ${this.#core.name}`;
  }
}

/** A running (or finished) child process, from `exec()`. */
export class Child implements Disposable {
  readonly #core: ChildCore;
  #closed = false;
  /** The child's standard input (writable), or null unless `stdin: "pipe"`. Close it to send EOF. */
  readonly stdin: ByteStream | null;
  /** The child's standard output (readable), or null unless `stdout: "pipe"`. */
  readonly stdout: ByteStream | null;
  /** The child's standard error (readable), or null unless `stderr: "pipe"`. */
  readonly stderr: ByteStream | null;

  /** @internal Use `exec()`. */
  constructor(core: ChildCore) {
    this.#core = core;
    const p = core.process;
    this.stdin = p.stdin && nodeByteStream(p.stdin, false, `stdin of ${core.name}`);
    this.stdout = p.stdout && nodeByteStream(p.stdout, true, `stdout of ${core.name}`);
    this.stderr = p.stderr && nodeByteStream(p.stderr, true, `stderr of ${core.name}`);
  }

  /** The process id. */
  get pid(): number {
    return this.#core.process.pid as number;
  }

  /** How the child ended, or null while it runs. */
  get exitStatus(): ExitStatus | null {
    return this.#core.status;
  }

  /**
   * Waits for the child to exit and returns how it ended. Several tasks may
   * wait; all get the same status, and waiting again after the exit returns
   * at once.
   *
   * Cancellation: safe; only the wait stops, the child runs on (close the
   * `Child` to stop it).
   *
   * @example
   * const { code } = yield* child.wait();
   */
  wait(): Future<ExitStatus> {
    return trackCreation(new WaitFuture(this.#core));
  }

  /**
   * Sends `signal` to the child (the child alone, not its group). Returns
   * false if it has already exited.
   *
   * @example
   * child.kill("SIGINT");
   * yield* child.wait();
   */
  kill(signal: NodeJS.Signals | number = "SIGTERM"): boolean {
    if (this.#core.status !== null) return false;
    return this.#core.process.kill(signal);
  }

  /**
   * Stops the child and everything in its process group — `killSignal`
   * (SIGTERM by default) now, SIGKILL after `killTimeoutMs` if anything in
   * the group still lives — and closes its pipes. Returns at once: the
   * SIGKILL follows on a timer; `yield* child.wait()` after `close()` waits
   * until the child is reaped. Node reaps the child as it exits. Idempotent.
   *
   * @example
   * child.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    resourceClosed(this.#core.leak);
    this.#core.stop();
    this.stdin?.close();
    this.stdout?.close();
    this.stderr?.close();
  }

  /** `using` support: `close()` when the block ends (the child is killed if it still runs). */
  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `Child(${this.#core.name})`;
  }
}

const NEW = 0;
const STARTING = 1;
const STARTED = 2;
const FAILED = 3;
const TAKEN = 4;

class ExecFuture extends IoFuture<Child> {
  readonly #cmd: string;
  readonly #args: readonly string[];
  readonly #options: ExecOptions;
  #state = NEW;
  #core: ChildCore | null = null;
  #error: unknown = null;
  #waker: Waker | null = null;
  readonly #site = openingSite();

  constructor(cmd: string, args: readonly string[], options: ExecOptions) {
    super();
    this.#cmd = cmd;
    this.#args = args;
    this.#options = options;
  }

  poll(cx: Context): Child | Pending {
    if (this.#state === NEW) this.#start();
    if (this.#state === STARTED) {
      this.#state = TAKEN;
      this.settled();
      const core = this.#core as ChildCore;
      const child = new Child(core);
      if (core.status === null)
        core.leak = resourceOpened("child process", () => child.toString(), this.#site);
      return child;
    }
    if (this.#state === FAILED) {
      this.settled();
      throw this.#error;
    }
    this.#waker = cx.waker;
    this.waiting();
    return PENDING;
  }

  #start(): void {
    this.#state = STARTING;
    const o = this.#options;
    const group = o.processGroup ?? true;
    const p = spawnChild(this.#cmd, this.#args, {
      cwd: o.cwd,
      env: o.env,
      stdio: [o.stdin ?? "pipe", o.stdout ?? "pipe", o.stderr ?? "pipe"],
      // Node's `detached` is setsid(): a new session whose process group id is the child's pid.
      detached: group,
    });
    const core = new ChildCore(p, `child ${this.#cmd}`, {
      signal: o.killSignal ?? "SIGTERM",
      killTimeoutMs: o.killTimeoutMs ?? 5000,
      group,
    });
    this.#core = core;
    p.once("spawn", () => {
      (core as { name: string }).name = `child ${p.pid} (${this.#cmd})`;
      if (this.#state === STARTING) this.#state = STARTED;
      this.#wake();
    });
    p.on("error", (error: Error) => {
      if (this.#state === STARTING) {
        this.#state = FAILED;
        this.#error = ioError(error, `exec ${this.#cmd}`);
        this.#wake();
      }
      // Later errors (kill or a pipe failing) show up in the exit status or the streams.
    });
    p.once("exit", (code, signal) => core.exited(code, signal));
  }

  #wake(): void {
    const w = this.#waker;
    this.#waker = null;
    w?.wake();
  }

  protected override dropped(): void {
    this.#waker = null;
    // Started (or starting) and never handed out: nobody owns it, so stop it.
    const core = this.#core;
    if (core !== null && this.#state !== TAKEN) {
      this.#state = FAILED;
      core.stop();
      core.process.stdin?.destroy();
      core.process.stdout?.destroy();
      core.process.stderr?.destroy();
    }
  }

  override describe(): string {
    return `exec ${this.#cmd}`;
  }
}

function checkArgs(cmd: unknown, args: unknown, options: ExecOptions, where: string): void {
  if (typeof cmd !== "string" || cmd === "") {
    throw new TypeError(`${where}: cmd must be a non-empty string`);
  }
  if (!Array.isArray(args) || args.some((a) => typeof a !== "string")) {
    throw new TypeError(`${where}: args must be an array of strings`);
  }
  const { killTimeoutMs, processGroup, killSignal } = options;
  if (
    killSignal !== undefined &&
    !(typeof killSignal === "string" && killSignal in constants.signals)
  ) {
    throw new TypeError(
      `${where}: options.killSignal must be a signal name such as "SIGTERM", got ${typeof killSignal === "string" ? JSON.stringify(killSignal) : typeof killSignal}`,
    );
  }
  if (
    killTimeoutMs !== undefined &&
    (typeof killTimeoutMs !== "number" || !(killTimeoutMs >= 0) || killTimeoutMs === Infinity)
  ) {
    throw new RangeError(
      `${where}: options.killTimeoutMs must be a finite number of milliseconds >= 0, got ${typeof killTimeoutMs === "number" ? killTimeoutMs : typeof killTimeoutMs}`,
    );
  }
  if (processGroup !== undefined && typeof processGroup !== "boolean") {
    throw new TypeError(`${where}: options.processGroup must be a boolean`);
  }
}

/**
 * Starts `cmd` with `args` (no shell) and returns the `Child` once it runs.
 * Its stdio are pipes by default (`child.stdin`, `child.stdout`,
 * `child.stderr` as `ByteStream`s); read what you pipe, or the child blocks
 * when a pipe fills. The caller owns the child: declare it with `using` (it is
 * killed if still running when the block ends, including by cancellation) or
 * `close()` it in a `finally`.
 *
 * Cancellation: safe; a child started meanwhile is killed.
 * Throws: code ENOENT (no such program), EACCES — with the program's name.
 *
 * @example
 * using child = yield* exec("sort", []);
 * yield* child.stdin!.write("b\na\n");
 * child.stdin!.close();
 * const sorted = (yield* child.stdout!.readAll()).toString(); // "a\nb\n"
 * yield* child.wait();
 */
export function exec(
  cmd: string,
  args: readonly string[] = [],
  options: ExecOptions = {},
): Future<Child> {
  checkArgs(cmd, args, options, "exec(cmd, args, options)");
  return trackCreation(new ExecFuture(cmd, args, options));
}

/**
 * Collects a started child's stdout, stderr and exit status at once (three
 * parts polled with the same waker; ready when all three are). Dropping it
 * drops the parts; the `output` coroutine around it stops the child.
 */
class CollectFuture extends FutureBase<Output> {
  #out: Future<Buffer> | null;
  #err: Future<Buffer> | null;
  #wait: Future<ExitStatus> | null;
  #stdout: Buffer = Buffer.alloc(0);
  #stderr: Buffer = Buffer.alloc(0);
  #status: ExitStatus | null = null;
  readonly #label: string;

  constructor(child: Child, label: string) {
    super();
    this.#label = label;
    this.#out = child.stdout?.readAll() ?? null;
    this.#err = child.stderr?.readAll() ?? null;
    this.#wait = child.wait();
  }

  poll(cx: Context): Output | Pending {
    try {
      if (this.#out !== null) {
        const v = this.#out.poll(cx);
        if (v !== PENDING) {
          this.#stdout = v;
          this.#out = null;
        }
      }
      if (this.#err !== null) {
        const v = this.#err.poll(cx);
        if (v !== PENDING) {
          this.#stderr = v;
          this.#err = null;
        }
      }
      if (this.#wait !== null) {
        const v = this.#wait.poll(cx);
        if (v !== PENDING) {
          this.#status = v;
          this.#wait = null;
        }
      }
    } catch (error) {
      this.cancel();
      throw error;
    }
    if (this.#out !== null || this.#err !== null || this.#wait !== null) return PENDING;
    return { ...(this.#status as ExitStatus), stdout: this.#stdout, stderr: this.#stderr };
  }

  cancel(): void {
    this.#out?.cancel?.();
    this.#err?.cancel?.();
    this.#wait?.cancel?.();
    this.#out = this.#err = this.#wait = null;
  }

  override describe(): string {
    return this.#label;
  }
}

function* runToOutput(
  cmd: string,
  args: readonly string[],
  options: ExecOptions,
): Coroutine<Output> {
  const child = yield* exec(cmd, args, {
    ...options,
    stdin: options.stdin ?? "ignore",
    stdout: options.stdout ?? "pipe",
    stderr: options.stderr ?? "pipe",
  });
  return yield* withCleanup(trackCreation(new CollectFuture(child, `output ${cmd}`)), (exit) =>
    closeAndReap(child, exit),
  );
}

/**
 * Closes the child; when the wait was cancelled, the cancellation completes
 * once the child is reaped (its group got killSignal, and SIGKILL follows
 * after killTimeoutMs).
 */
function* closeAndReap(child: Child, exit: Exit<Output>): Coroutine<void> {
  child.close();
  if (exit.kind === "cancelled") yield* child.wait();
}

/**
 * Runs `cmd` with `args` to completion and returns its exit status with
 * everything it wrote to stdout and stderr. stdin is empty ("ignore") unless
 * `options.stdin` says otherwise. A non-zero exit is not an error: check
 * `success` or `code`.
 *
 * Cancellation: the child's process group is stopped (`killSignal`, then
 * SIGKILL after `killTimeoutMs`) and the cancellation completes once the
 * child has been reaped; what it wrote is lost.
 * Throws: code ENOENT (no such program), EACCES.
 *
 * @example
 * const { stdout, success } = yield* output("git", ["rev-parse", "HEAD"]);
 * if (success) console.log(stdout.toString().trim());
 */
export function output(
  cmd: string,
  args: readonly string[] = [],
  options: ExecOptions = {},
): Coroutine<Output> {
  checkArgs(cmd, args, options, "output(cmd, args, options)");
  return runToOutput(cmd, args, options);
}
