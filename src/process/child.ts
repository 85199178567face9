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
 * Ownership: whoever holds the `Child` closes it — with `using`, or `close()`
 * in a `finally` — and closing kills a child still running (SIGKILL unless
 * `killSignal` says otherwise) and closes its pipes. So a task that is
 * cancelled while its child runs kills it in its cleanup; `output()` does that
 * for you.
 */

import { type ChildProcess, spawn as spawnChild } from "node:child_process";
import type { Context, Future, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import { ioError } from "../net/errors.js";
import { IoFuture } from "../net/io-future.js";
import { type ByteStream, nodeByteStream } from "../net/stream.js";

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
  /** The signal `close()` (and `using`) sends to a child still running. @default "SIGKILL" */
  killSignal?: NodeJS.Signals;
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
  status: ExitStatus | null = null;
  waiters: Waker[] = [];

  constructor(process: ChildProcess, name: string) {
    this.process = process;
    this.name = name;
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
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
  readonly #killSignal: NodeJS.Signals;
  #closed = false;
  /** The child's standard input (writable), or null unless `stdin: "pipe"`. Close it to send EOF. */
  readonly stdin: ByteStream | null;
  /** The child's standard output (readable), or null unless `stdout: "pipe"`. */
  readonly stdout: ByteStream | null;
  /** The child's standard error (readable), or null unless `stderr: "pipe"`. */
  readonly stderr: ByteStream | null;

  /** @internal Use `exec()`. */
  constructor(core: ChildCore, killSignal: NodeJS.Signals) {
    this.#core = core;
    this.#killSignal = killSignal;
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
   * Sends `signal` to the child. Returns false if it has already exited.
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
   * Kills the child if it still runs (with `killSignal`, SIGKILL by default)
   * and closes its pipes. Node reaps the process as it exits. Idempotent.
   *
   * @example
   * child.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#core.status === null) this.#core.process.kill(this.#killSignal);
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
      return new Child(this.#core as ChildCore, this.#options.killSignal ?? "SIGKILL");
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
    const p = spawnChild(this.#cmd, this.#args, {
      cwd: o.cwd,
      env: o.env,
      stdio: [o.stdin ?? "pipe", o.stdout ?? "pipe", o.stderr ?? "pipe"],
    });
    const core = new ChildCore(p, `child ${this.#cmd}`);
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
      if (core.status === null) core.process.kill("SIGKILL");
      core.process.stdin?.destroy();
      core.process.stdout?.destroy();
      core.process.stderr?.destroy();
    }
  }

  override describe(): string {
    return `exec ${this.#cmd}`;
  }
}

function checkArgs(cmd: unknown, args: unknown, where: string): void {
  if (typeof cmd !== "string" || cmd === "") {
    throw new TypeError(`${where}: cmd must be a non-empty string`);
  }
  if (!Array.isArray(args) || args.some((a) => typeof a !== "string")) {
    throw new TypeError(`${where}: args must be an array of strings`);
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
  checkArgs(cmd, args, "exec(cmd, args)");
  return trackCreation(new ExecFuture(cmd, args, options));
}

const O_EXEC = 0;
const O_COLLECT = 1;
const O_DONE = 2;

class OutputFuture extends IoFuture<Output> {
  readonly #exec: Future<Child>;
  #phase = O_EXEC;
  #child: Child | null = null;
  #out: Future<Buffer> | null = null;
  #err: Future<Buffer> | null = null;
  #wait: Future<ExitStatus> | null = null;
  #stdout: Buffer = Buffer.alloc(0);
  #stderr: Buffer = Buffer.alloc(0);
  #status: ExitStatus | null = null;
  readonly #label: string;

  constructor(cmd: string, args: readonly string[], options: ExecOptions) {
    super();
    this.#label = `output ${cmd}`;
    this.#exec = exec(cmd, args, {
      ...options,
      stdin: options.stdin ?? "ignore",
      stdout: options.stdout ?? "pipe",
      stderr: options.stderr ?? "pipe",
    });
  }

  poll(cx: Context): Output | Pending {
    if (this.#phase === O_EXEC) {
      const child = this.#exec.poll(cx);
      if (child === PENDING) return child;
      this.#child = child;
      this.#out = child.stdout?.readAll() ?? null;
      this.#err = child.stderr?.readAll() ?? null;
      this.#wait = child.wait();
      this.#phase = O_COLLECT;
    }
    try {
      // Each part stores the waker; the future is ready when all three are.
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
      this.#dropParts();
      throw error;
    }
    if (this.#out !== null || this.#err !== null || this.#wait !== null) return PENDING;
    this.#phase = O_DONE;
    (this.#child as Child).close();
    return { ...(this.#status as ExitStatus), stdout: this.#stdout, stderr: this.#stderr };
  }

  #dropParts(): void {
    this.#out?.cancel?.();
    this.#err?.cancel?.();
    this.#wait?.cancel?.();
    this.#out = this.#err = this.#wait = null;
    this.#child?.close();
  }

  protected override dropped(): void {
    if (this.#phase === O_EXEC) this.#exec.cancel?.();
    else if (this.#phase === O_COLLECT) this.#dropParts();
    this.#phase = O_DONE;
  }

  override describe(): string {
    return this.#label;
  }
}

/**
 * Runs `cmd` with `args` to completion and returns its exit status with
 * everything it wrote to stdout and stderr. stdin is empty ("ignore") unless
 * `options.stdin` says otherwise. A non-zero exit is not an error: check
 * `success` or `code`.
 *
 * Cancellation: the child is killed and its pipes closed.
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
): Future<Output> {
  checkArgs(cmd, args, "output(cmd, args)");
  return trackCreation(new OutputFuture(cmd, args, options));
}
