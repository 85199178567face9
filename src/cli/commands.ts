/**
 * The commands of `corio`, each with its options (for `node:util`'s
 * `parseArgs`), its help text and what it does. A command's module is loaded
 * only when it runs, so `corio --help` stays instant.
 */

type Option = { type: "string" | "boolean"; short?: string; multiple?: boolean };
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  aliases?: string[];
  synopsis: string;
  summary: string;
  help: string;
  options: Record<string, Option>;
  /** Resolves with the exit code; -1 means the program sets `process.exitCode` itself. */
  run(values: Values, positionals: string[]): Promise<number>;
}

/** A mistake on the command line: reported with the usage line, exit code 2. */
export class UsageError extends Error {
  readonly command: Command | undefined;
  constructor(message: string, command?: Command) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

const run: Command = {
  name: "run",
  synopsis: "corio run FILE [--workers N] [--trace OUT] [--debug] [-- ARGS]",
  summary: "run a module's default-exported coroutine under main()",
  help: `Usage: corio run FILE [--workers N] [--trace OUT] [--debug] [-- ARGS...]

Runs FILE (.ts, .mts, .js, .mjs; TypeScript through tsx) and its default export,
a coroutine function, as the program, under main(): SIGINT and SIGTERM cancel it
and its cleanup runs. ARGS after -- reach the program as process.argv.slice(2).

  // app.ts
  import { sleep } from "corio";
  export default function* () {
    yield* sleep(100);
    console.log("hello");
  }

Options:
  --workers N   run N copies of the program (node:cluster) that share listening
                sockets, so a server accepts on one port across N cores; SIGTERM
                is forwarded to every copy, Ctrl-C reaches them itself; a copy
                that fails stops the others; corio ps PID lists the copies
  --trace OUT   record a trace (Chrome Trace Event JSON) to OUT; open it in
                https://ui.perfetto.dev or turn it into a page with corio trace
                (with --workers: one per copy, OUT with its pid before the extension)
  --debug       debug mode: warn about slow steps, operations never awaited, leaks
  -h, --help    show this help

Exit code: 0 on success, 1 if the program failed, 130 after SIGINT, 143 after
SIGTERM, 2 for a usage error. With --workers: the first non-zero exit code of a
copy, else 0.`,
  options: {
    trace: { type: "string" },
    debug: { type: "boolean" },
    workers: { type: "string" },
  },
  async run(values, positionals) {
    const [file, ...args] = positionals;
    if (file === undefined) throw new UsageError("missing FILE", run);
    const options = { trace: values.trace as string | undefined, debug: values.debug === true };
    if (values.workers !== undefined) {
      const workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1)
        throw new UsageError(
          `--workers must be a whole number >= 1, got ${String(values.workers)}`,
          run,
        );
      const { runCluster } = await import("./cluster.js");
      return runCluster(file, args, { ...options, workers });
    }
    const { runFile } = await import("./run.js");
    return runFile(file, args, options);
  },
};

const trace: Command = {
  name: "trace",
  synopsis: "corio trace TRACE.json [-o timeline.html]",
  summary: "turn a trace into a self-contained timeline page",
  help: `Usage: corio trace TRACE.json [-o timeline.html] [--text]

Reads a trace (Chrome Trace Event JSON, as written by corio run --trace, by
run(body, {trace: "out.json"}) or by the tour) and writes one self-contained
HTML page: a row per task, bars where it ran, lines where it waited and on
what, arrows for wakes; zoom with the wheel, hover for details. The page
needs no network: open it from disk in any browser.

Options:
  -o, --output FILE   where to write the page (default: TRACE with .html)
  --text              print the timeline to the terminal instead
  --width N           columns of the terminal timeline (default: fits the terminal)
  -h, --help          show this help`,
  options: {
    output: { type: "string", short: "o" },
    text: { type: "boolean" },
    width: { type: "string" },
  },
  async run(values, positionals) {
    const [file, extra] = positionals;
    if (file === undefined) throw new UsageError("missing TRACE.json", trace);
    if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`, trace);
    let width: number | undefined;
    if (values.width !== undefined) {
      width = Number(values.width);
      if (!Number.isInteger(width) || width < 10)
        throw new UsageError(
          `--width must be a whole number >= 10, got ${String(values.width)}`,
          trace,
        );
    }
    const { traceCommand } = await import("./trace.js");
    return traceCommand(file, {
      output: values.output as string | undefined,
      text: values.text === true,
      width,
    });
  },
};

const psHelp = (name: "ps" | "pstree"): string => `Usage: corio ${name} PID

Prints the ${name === "ps" ? "task table (one line per task: id, parent, state, what it waits on, polls, busy time)" : "await tree (each task under its parent, with what it waits on)"} of a
running Node.js process that uses corio, without changing that program, as
Python's \`python -m asyncio ${name} PID\` does. Only the process's own user
(or root) can read it; no network port is opened and no code runs in the
target. See docs/observability.md for how it works and how to opt out.

Options:
  --timeout MS   how long to wait for the process to answer (default: 3000)
  --json         print the snapshot as JSON
  -h, --help     show this help`;

const psCommand = (name: "ps" | "pstree"): Command => {
  const command: Command = {
    name,
    synopsis: `corio ${name} PID`,
    summary:
      name === "ps"
        ? "list the tasks of a running process"
        : "show the await tree of a running process",
    help: psHelp(name),
    options: { timeout: { type: "string" }, json: { type: "boolean" } },
    async run(values, positionals) {
      const [pidText, extra] = positionals;
      if (pidText === undefined) throw new UsageError("missing PID", command);
      if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`, command);
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0)
        throw new UsageError(`PID must be a process id, got ${pidText}`, command);
      let timeout: number | undefined;
      if (values.timeout !== undefined) {
        timeout = Number(values.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0)
          throw new UsageError(`--timeout must be a positive number of ms`, command);
      }
      const { psCommand: ps } = await import("./ps.js");
      return ps(name, pid, { timeout, json: values.json === true });
    },
  };
  return command;
};

const tour: Command = {
  name: "tour",
  synopsis: "corio tour [--out DIR]",
  summary: "a guided run of the ideas corio is built on (npm start)",
  help: `Usage: corio tour [--out DIR]

A short guided run (under 15 seconds) of what a coroutine runtime does:
concurrency by sleeping together, chains, a queue between producers and
consumers, a TCP echo server, cancellation with cleanup, the runtime
driven one step at a time, and CPU work on the loop against a worker thread. Each part prints its output and a timeline of its
tasks. At the end it writes corio-tour.trace.json and corio-tour.html.

Options:
  --out DIR    where to write the trace and the page (default: the current directory)
  -h, --help   show this help

Colour follows the terminal; set NO_COLOR=1 for plain text.`,
  options: { out: { type: "string" } },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, tour);
    const { runTour } = await import("../tour/index.js");
    await runTour({ out: values.out as string | undefined });
    return 0;
  },
};

export const commands: Command[] = [run, trace, psCommand("ps"), psCommand("pstree"), tour];
