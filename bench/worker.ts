// One measurement in a fresh process: `worker.ts <workload> <impl> [--quick]`. run.ts starts it
// with --expose-gc and reads back the one line that starts with RESULT_TAG. The process exits as
// soon as the result is printed, so work that a peer cannot cancel (native timers) does not linger.

import { parseArgs } from "node:util";
import { IMPL_NAMES, type ImplName, LoadError, RESULT_TAG, type WorkerReport } from "./harness.js";
import { WORKLOADS } from "./workloads/index.js";

function report(r: WorkerReport): void {
  process.stdout.write(`${RESULT_TAG}${JSON.stringify(r)}\n`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { quick: { type: "boolean", default: false } },
  });
  const [name, impl] = positionals;
  const workload = WORKLOADS.find((w) => w.name === name);
  if (workload === undefined || !IMPL_NAMES.includes(impl as ImplName)) {
    throw new Error(`usage: worker.ts <workload> <${IMPL_NAMES.join("|")}> [--quick]`);
  }
  try {
    const measurement = await workload.run({ impl: impl as ImplName, quick: values.quick });
    report({ status: "ok", measurement });
  } catch (error) {
    if (error instanceof LoadError) report({ status: "skipped", reason: error.message });
    else
      report({
        status: "error",
        reason: error instanceof Error ? String(error.stack) : String(error),
      });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
