/** The entry points: `run` (one runtime per call, like `asyncio.run`) and `main` (a process). */
import type { Body } from "./core/body.js";
import { cur } from "./core/current.js";
import { isInstance, thrownText } from "./core/describe-thrown.js";
import { CancelledError } from "./core/errors.js";
import type { TaskBody } from "./core/future-body.js";
import type { RunOptions } from "./core/runtime.js";
import { Runtime } from "./core/runtime.js";
import { type SignalStream, signal } from "./signal/signal.js";
import { installObservability } from "./trace/install.js";

// Plugs trace, debug and stats (and the `corio ps` listener) into the kernel.
installObservability();

/**
 * Runs `body` on a fresh runtime and resolves with its value, like
 * `asyncio.run`. When the body completes, any task still running is cancelled
 * and its cleanup awaited. Rejects with the body's error, `CancelledError`
 * (the `signal` was aborted), or `DeadlockError`.
 *
 * @example
 * const n = await run(function* () { yield* sleep(10); return 1; });
 */
export function run<T>(body: TaskBody<T>, options: RunOptions = {}): Promise<T> {
  installObservability(); // again: a bundler trusting `sideEffects: false` may drop the call above
  const { signal, name, ...runtimeOptions } = options;
  return new Runtime(runtimeOptions).run(body, { signal, name });
}

/** Prints an error as `console.error` would, or as plain text when inspecting it throws (a hostile Proxy). */
function printError(error: unknown): void {
  try {
    console.error(error);
  } catch {
    process.stderr.write(`${thrownText(error)}\n`);
  }
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type ExitSignal = keyof typeof EXIT_CODES;

/**
 * Runs `body` as the program: SIGINT and SIGTERM cancel it and let its cleanup
 * run; a second SIGINT exits at once. Sets `process.exitCode`: 0 on success, 1
 * on error (printed to stderr), 130 after SIGINT, 143 after SIGTERM.
 *
 * The signals are received through `corio/signal` streams, opened before the
 * body starts (no delivery is missed) and closed when it has finished, which
 * gives the default actions back.
 *
 * @example
 * main(function* () { yield* serveForever(); });
 */
export async function main<T>(
  body: Body<T>,
  options: Omit<RunOptions, "signal"> = {},
): Promise<void> {
  const controller = new AbortController();
  let received: ExitSignal | null = null;
  // Plain async loops, not tasks: the watchers must not be part of the program's
  // task tree, and a runtime never reports a deadlock on what plain code waits for.
  const watch = async (stream: SignalStream): Promise<void> => {
    for await (const name of stream) {
      if (received === null) {
        received = name as ExitSignal;
        controller.abort(new CancelledError(name, `received ${name}`));
      } else if (name === "SIGINT") {
        process.exit(EXIT_CODES.SIGINT);
      }
    }
  };
  // Unref'd: waiting for a signal must not keep a finished (or deadlocked) program alive.
  const streams = outsideAnyRuntime(() => [
    signal("SIGINT", { ref: false }),
    signal("SIGTERM", { ref: false }),
  ]);
  const watchers = streams.map(watch);
  try {
    await run(body, { ...options, signal: controller.signal });
    process.exitCode = received === null ? 0 : EXIT_CODES[received];
  } catch (error) {
    if (received !== null && isInstance(error, CancelledError)) {
      process.exitCode = EXIT_CODES[received];
    } else {
      printError(error);
      process.exitCode = received === null ? 1 : EXIT_CODES[received];
    }
  } finally {
    for (const stream of streams) stream.close();
    await Promise.all(watchers);
  }
}

/**
 * Runs `open` as plain code outside any task: `main`'s signal watchers belong
 * to no runtime, not to a task that happened to call `main` (a leak check of
 * that task's runtime must not count them).
 */
function outsideAnyRuntime<T>(open: () => T): T {
  const { task, rt } = cur;
  cur.task = null;
  cur.rt = null;
  try {
    return open();
  } finally {
    cur.task = task;
    cur.rt = rt;
  }
}
