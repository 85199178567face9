#!/usr/bin/env node
/**
 * The `corio` command: run a program under corio, turn a trace into a
 * timeline page, list the tasks of a running process, take the tour.
 *
 * Exit codes: a command that ran reports its own (`corio run` follows
 * `main()`: 0, 1 on error, 130 after SIGINT, 143 after SIGTERM); a usage error
 * (unknown command or option, missing argument) exits 2 with a message on
 * stderr, as POSIX utilities do; `--help` prints to stdout and exits 0.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isInstance, thrownMessage } from "../core/describe-thrown.js";
import { type Command, commands, UsageError } from "./commands.js";

const USAGE = `corio — lazy, cancellable, structured, inspectable coroutines for Node.js

Usage: corio <command> [options]

Commands:
${commands.map((c) => `  ${c.synopsis.padEnd(44)} ${c.summary}`).join("\n")}

Options:
  -h, --help       show help (also: corio <command> --help, corio help <command>)
  -v, --version    print corio's version

Exit codes: 0 success, 1 error, 2 usage error; corio run: 130 after SIGINT, 143 after SIGTERM.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}

function find(name: string): Command | undefined {
  return commands.find((c) => c.name === name || c.aliases?.includes(name));
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function cli(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) throw new UsageError("missing command");
    if (first === "-h" || first === "--help") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (first === "-v" || first === "--version") {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    if (first === "help") {
      const topic = rest[0];
      if (topic === undefined) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
      }
      const command = find(topic);
      if (command === undefined) throw new UsageError(`no such command: ${topic}`);
      process.stdout.write(`${command.help}\n`);
      return 0;
    }
    if (first.startsWith("-"))
      throw new UsageError(`unknown option ${first} (a command comes first)`);
    const command = find(first);
    if (command === undefined) throw new UsageError(`no such command: ${first}`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...command.options, help: { type: "boolean", short: "h" } },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message, command);
    }
    if (parsed.values.help === true) {
      process.stdout.write(`${command.help}\n`);
      return 0;
    }
    return await command.run(parsed.values, parsed.positionals);
  } catch (error) {
    if (isInstance(error, UsageError)) {
      const command = error.command ?? (first === undefined ? undefined : find(first));
      const where = command === undefined ? "" : ` ${command.name}`;
      process.stderr.write(
        `corio${where}: ${error.message}\n` +
          `${command === undefined ? "Usage: corio <command> [options]" : `Usage: ${command.synopsis}`}\n` +
          `Try 'corio${where} --help'.\n`,
      );
      return 2;
    }
    process.stderr.write(`corio ${first}: ${thrownMessage(error)}\n`);
    return 1;
  }
}

// A reader that went away (`corio trace t.json --text | head -1`) is not an
// error: stop quietly, as a Unix tool killed by SIGPIPE does. Not under
// `corio run`, where stdout belongs to the program.
const argv = process.argv.slice(2);
const running = argv[0] !== undefined && find(argv[0])?.name === "run";
if (!running) {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

// `corio run` hands the process over to the program: it sets process.exitCode
// itself (through main()) and the process ends when the program's work does.
// If it fails before main() takes over (no default export, an import that
// threw) the exit is immediate: the module may have opened a server or a timer
// that would keep the process alive with nothing to run it.
// Every other command resolves with its exit code.
cli(argv).then((code) => {
  if (code < 0) return;
  if (running) process.exit(code);
  process.exitCode = code;
});
