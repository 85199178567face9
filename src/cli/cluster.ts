/**
 * `corio run --workers N FILE`: N copies of the program in a `node:cluster`.
 *
 * The model
 * ---------
 * One process, the *primary*, runs no program: it forks N *copies*, each of
 * which runs `corio run ... FILE` again (the same command line; `node:cluster`
 * marks it a worker) and so runs FILE under `main()` with its own runtime, its
 * own tsx loader for TypeScript, its own signal handling. A server a copy
 * starts (`serve`, `listen`) listens through `node:net`, which in a cluster
 * worker asks the primary for the socket: the copies share one listening
 * socket and the primary hands connections out round-robin (Node's default
 * on Linux). Port 0 is shared too: the first copy to listen picks the port and
 * the others get the same one.
 *
 * Signals. A terminal's Ctrl-C goes to the whole foreground process group —
 * the primary and every copy — and each copy's `main()` cancels its root on
 * the first SIGINT and exits at once on a second. So the primary does *not*
 * forward SIGINT (that would be every copy's second one); it waits for the
 * copies, and exits at once itself on a second SIGINT as `main()` does. A
 * SIGTERM usually comes to the primary alone (a service manager, `kill PID`):
 * it is forwarded once to every copy still running.
 *
 * If the primary itself dies (SIGKILL, a crash), each copy is cancelled as by
 * SIGTERM, so its cleanup still runs.
 *
 * Failure. A copy that exits non-zero (its program failed, or it crashed)
 * stops the others with one SIGTERM, as a failing child cancels its siblings:
 * a cluster is one program, not a process manager (copies are not restarted).
 * The primary exits with the first non-zero exit code a copy had (a copy
 * killed by a signal counts as 128 + the signal's number), else 0.
 */
import cluster, { type Worker } from "node:cluster";
import { statSync } from "node:fs";
import { constants } from "node:os";
import { extname, resolve } from "node:path";
import { answerListingsForCopies } from "../trace/inspect.js";
import { UsageError } from "./commands.js";
import { type RunFileOptions, runFile } from "./run.js";

export interface ClusterOptions extends RunFileOptions {
  workers: number;
}

/**
 * In the primary: forks the copies and resolves with the exit code once every
 * copy has exited. In a copy: runs the program as `corio run` does (its trace
 * file named after its pid) and resolves with -1.
 */
export async function runCluster(
  file: string,
  args: string[],
  options: ClusterOptions,
): Promise<number> {
  if (cluster.isWorker) {
    whenPrimaryGoes(() => process.kill(process.pid, "SIGTERM"));
    const trace =
      options.trace === undefined ? undefined : tracePathFor(options.trace, process.pid);
    const code = await runFile(file, args, { ...options, trace });
    // A cluster worker's IPC channel keeps it alive; the program has ended, so
    // let the process end when the rest of its work does (as without --workers).
    process.channel?.unref();
    return code;
  }
  try {
    statSync(resolve(file));
  } catch {
    throw new UsageError(`cannot find ${file}`);
  }
  return runPrimary(options.workers);
}

/**
 * In a copy: calls `stop` if the primary goes away (killed with SIGKILL, or
 * crashed). Node's cluster would exit the copy at once, skipping its cleanup;
 * marking the disconnect as expected stops that, and the copy is cancelled as
 * by a SIGTERM instead.
 */
function whenPrimaryGoes(stop: () => void): void {
  const self = cluster.worker as Worker;
  self.exitedAfterDisconnect = true; // read by Node's own 'disconnect' listener, which runs first
  process.once("disconnect", stop);
}

/** `OUT` with the copy's pid before the extension: `t.json` → `t.4242.json`. */
export function tracePathFor(out: string, pid: number): string {
  const ext = extname(out);
  return ext === "" ? `${out}.${pid}` : `${out.slice(0, -ext.length)}.${pid}${ext}`;
}

function runPrimary(n: number): Promise<number> {
  // Each copy runs this same command line (node:cluster sets it apart as a worker).
  cluster.setupPrimary({ exec: process.argv[1] as string, args: process.argv.slice(2) });
  const copies = new Set<Worker>();
  let exitCode = 0;
  let terminating = false;
  let interrupted = false;

  const terminate = (): void => {
    if (terminating) return;
    terminating = true;
    for (const copy of copies) copy.process.kill("SIGTERM");
  };
  // Ctrl-C reached every copy already (one process group): do not send a second.
  const onInterrupt = (): void => {
    if (interrupted) process.exit(130); // as main() does on a second SIGINT
    interrupted = true;
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", terminate);
  const stopAnswering = answerListingsForCopies(() =>
    [...copies].flatMap((c) => (c.process.pid === undefined ? [] : [c.process.pid])),
  );

  return new Promise((resolveCode) => {
    cluster.on("exit", (copy, code, signal) => {
      copies.delete(copy);
      const status =
        code ??
        128 + (signal === null ? 0 : ((constants.signals as Record<string, number>)[signal] ?? 0));
      if (status !== 0 && exitCode === 0) {
        exitCode = status;
        // One copy failed: the program has failed; stop the others (after a
        // Ctrl-C they are stopping already, each on its own SIGINT).
        if (!interrupted) terminate();
      }
      if (copies.size === 0) {
        process.off("SIGINT", onInterrupt);
        process.off("SIGTERM", terminate);
        stopAnswering();
        resolveCode(exitCode);
      }
    });
    for (let i = 0; i < n; i++) copies.add(cluster.fork());
  });
}
