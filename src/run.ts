/** The entry points: `run` (one runtime per call, like `asyncio.run`) and `main` (a process). */
import type { Body } from "./core/body.js";
import { CancelledError } from "./core/errors.js";
import type { RunOptions } from "./core/runtime.js";
import { Runtime } from "./core/runtime.js";
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
export function run<T>(body: Body<T>, options: RunOptions = {}): Promise<T> {
  installObservability();
  const { signal, name, ...runtimeOptions } = options;
  return new Runtime(runtimeOptions).run(body, { signal, name });
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Runs `body` as the program: SIGINT and SIGTERM cancel it and let its cleanup
 * run; a second SIGINT exits at once. Sets `process.exitCode`: 0 on success, 1
 * on error (printed to stderr), 130 after SIGINT, 143 after SIGTERM.
 *
 * @example
 * main(function* () { yield* serveForever(); });
 */
export async function main<T>(
  body: Body<T>,
  options: Omit<RunOptions, "signal"> = {},
): Promise<void> {
  const controller = new AbortController();
  let received: keyof typeof EXIT_CODES | null = null;
  const onSignal = (name: keyof typeof EXIT_CODES): void => {
    if (received !== null) {
      if (name === "SIGINT") process.exit(EXIT_CODES.SIGINT);
      return;
    }
    received = name;
    controller.abort(new CancelledError(name, `received ${name}`));
  };
  const onInt = (): void => onSignal("SIGINT");
  const onTerm = (): void => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    await run(body, { ...options, signal: controller.signal });
    process.exitCode = received === null ? 0 : EXIT_CODES[received];
  } catch (error) {
    if (received !== null && error instanceof CancelledError) {
      process.exitCode = EXIT_CODES[received];
    } else {
      console.error(error);
      process.exitCode = received === null ? 1 : EXIT_CODES[received];
    }
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}
