/**
 * `corio ps PID` and `corio pstree PID`: the task table or await tree of a
 * running process that uses corio. The reading, and its security model, is
 * `corio/trace`'s `readTaskSnapshot` (docs/observability.md); this file only
 * prints.
 */
import { formatCopies } from "../trace/format.js";
import {
  formatTaskTable,
  formatTaskTree,
  InspectError,
  readTaskSnapshot,
  type TaskSnapshot,
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
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  } else if (which === "pstree") {
    process.stdout.write(withNewline(formatTaskTree(snapshot)));
  } else if (snapshot.copies !== undefined) {
    process.stdout.write(withNewline(formatCopies(snapshot.copies, table)));
  } else {
    process.stdout.write(withNewline(table(snapshot)));
  }
  return 0;
}

function table(snapshot: TaskSnapshot): string {
  return formatTaskTable(snapshot.runtimes.flatMap((r) => r.tasks));
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
