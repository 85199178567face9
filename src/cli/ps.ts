/**
 * `corio ps PID` and `corio pstree PID`: the task table or await tree of a
 * running process that uses corio. The reading, and its security model, is
 * `corio/trace`'s `readTaskSnapshot` (docs/observability.md); this file only
 * prints.
 */
import {
  formatCopies,
  formatTaskTable,
  formatTaskTree,
  InspectError,
  readTaskSnapshot,
} from "../trace/index.js";

export interface PsOptions {
  timeout?: number | undefined;
  json?: boolean;
}

export async function psCommand(
  which: "ps" | "pstree",
  pid: number,
  options: PsOptions,
): Promise<number> {
  let snapshot: Awaited<ReturnType<typeof readTaskSnapshot>>;
  try {
    snapshot = await readTaskSnapshot(
      pid,
      options.timeout === undefined ? {} : { timeoutMs: options.timeout },
    );
  } catch (error) {
    if (error instanceof InspectError) throw new Error(`${error.message} (${error.code})`);
    throw error;
  }
  if (snapshot.copies !== undefined && options.json !== true) {
    // The primary of `corio run --workers N`: each copy under its own header.
    const each =
      which === "pstree"
        ? formatTaskTree
        : (copy: typeof snapshot) => formatTaskTable(copy.runtimes.flatMap((r) => r.tasks));
    process.stdout.write(withNewline(formatCopies(snapshot.copies, each)));
    return 0;
  }
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  } else if (which === "pstree") {
    process.stdout.write(withNewline(formatTaskTree(snapshot)));
  } else {
    process.stdout.write(withNewline(formatTaskTable(snapshot)));
  }
  return 0;
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
