/**
 * The bootstrap of a `spawnWorker` thread: imports the module, runs its
 * default export with the arguments as the root task of a fresh runtime, and
 * reports the outcome to the spawning thread (spawn.ts; messages in
 * protocol.ts). It also answers task listings (`corio ps`) for this thread and
 * its own workers, and sends its trace when the spawning runtime traces.
 *
 * The port to the parent is unref'd: it never keeps the thread alive, so the
 * thread ends when its runtime is done (and a run stuck with nothing left to
 * wake it is reported as a deadlock here, as in a main thread).
 */
import { type MessagePort, parentPort, threadId, workerData } from "node:worker_threads";
import { CancelledError } from "../core/errors.js";
import { Runtime } from "../core/runtime.js";
import { localRuntimes } from "../trace/inspect.js";
import { installObservability } from "../trace/install.js";
import { threadSnapshots } from "../trace/threads.js";
import { serializeError } from "./errors.js";
import { adoptTaskIds } from "./ids.js";
import { isTypeScript, moduleLabel, registerTypeScriptLoader } from "./module-ref.js";
import { receiveArgs } from "./move.js";
import type { FromWorker, ToWorker, WorkerStart } from "./protocol.js";

const start = workerData as WorkerStart;
const port = parentPort as MessagePort;
const label = moduleLabel(start.module);
const stop = new AbortController();

adoptTaskIds(start.ids);
installObservability();

port.on("message", (m: ToWorker) => {
  if (m.t === "cancel") {
    stop.abort(new CancelledError(undefined, "the spawning task was cancelled"));
  } else if (m.t === "snapshot") {
    const mine = localRuntimes().map((r) => ({ ...r, thread: threadId, spawnedBy: start.taskId }));
    threadSnapshots(m.budgetMs).then((theirs) =>
      send({ t: "snapshot", id: m.id, runtimes: [...mine, ...theirs] }),
    );
  }
});
port.unref();

function send(m: FromWorker): void {
  port.postMessage(m);
}

function fail(error: unknown): void {
  send({ t: "failed", error: serializeError(error) });
}

async function load(): Promise<((...args: unknown[]) => unknown) | null> {
  let mod: { default?: unknown };
  try {
    if (isTypeScript(start.module)) await registerTypeScriptLoader();
    mod = (await import(start.module)) as { default?: unknown };
  } catch (error) {
    fail(
      new Error(
        `spawnWorker(${label}): importing the module failed: ${(error as Error)?.message}`,
        {
          cause: error,
        },
      ),
    );
    return null;
  }
  let body = mod.default;
  // A module tsx ran as CommonJS arrives as {default: module.exports}.
  if (typeof body === "object" && body !== null && "default" in body)
    body = (body as { default: unknown }).default;
  const kind = (body as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  if (typeof body !== "function" || kind === "AsyncFunction" || kind === "AsyncGeneratorFunction") {
    fail(
      new TypeError(
        `spawnWorker(${label}): the module has no default-exported coroutine function ` +
          `(found ${typeof body === "function" ? `an ${kind}` : typeof body}); add one:\n\n` +
          "  export default function* (...args) {\n    // runs on the worker's own corio runtime\n  }\n",
      ),
    );
    return null;
  }
  return body as (...args: unknown[]) => unknown;
}

async function main(): Promise<void> {
  const body = await load();
  if (body === null) return;
  const args = receiveArgs(start.args, start.ends);
  const rt = new Runtime({ trace: start.trace });
  let outcome: FromWorker;
  try {
    const value = await rt.run(() => body(...args) as Generator<never, unknown>, {
      signal: stop.signal,
      name: start.name,
    });
    outcome = { t: "done", value };
  } catch (error) {
    outcome =
      stop.signal.aborted && error instanceof CancelledError
        ? { t: "cancelled" }
        : { t: "failed", error: serializeError(error) };
  }
  if (start.trace) send({ t: "trace", file: rt.traceEvents(), timeOrigin: performance.timeOrigin });
  try {
    send(outcome);
  } catch (error) {
    fail(
      new TypeError(
        `spawnWorker(${label}): the value returned by worker "${start.name}" cannot be sent back ` +
          `(${(error as Error).message}); return data that structured cloning accepts`,
      ),
    );
  }
  port.removeAllListeners("message");
}

main().catch((error: unknown) => {
  // A bug here must still reach the spawning task.
  fail(error);
});
