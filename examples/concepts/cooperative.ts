// Cooperative scheduling: a task runs until it waits, and nothing interrupts it.
// The same two tasks three times: a "hog" that takes 300 items from a channel
// that is already full, and a "ticker" that wants to run now and then. Below
// each run, its timeline: one column per step, in the order the executor ran them.
// 1. A plain loop has no suspension point: the ticker waits for all 300.
// 2. `yield* rx.recv()` is a suspension point, but the value is there, so the
//    task goes on; the budget (128 ready operations in a row) sends it to the
//    back of the queue anyway, as Tokio's coop budget does.
// 3. The plain loop again, with `yieldNow()` every 100 items: the fix for CPU work.
import { channel, Runtime, spawn, yieldNow } from "corio";

type Mode = "plain loop" | "ready futures" | "plain loop + yieldNow";

function* hog(mode: Mode, progress: { taken: number }) {
  const [tx, rx] = channel<number>(300);
  for (let i = 0; i < 300; i++) tx.trySend(i);
  for (let i = 1; i <= 300; i++) {
    if (mode === "ready futures")
      yield* rx.recv(); // ready at once: no wait
    else rx.tryRecv(); // plain code: no suspension point at all
    progress.taken = i;
    if (mode === "plain loop + yieldNow" && i % 100 === 0) yield* yieldNow(); // let others run
  }
}

function* ticker(progress: { taken: number }, ticks: number[]) {
  for (let i = 0; i < 4; i++) {
    ticks.push(progress.taken);
    yield* yieldNow();
  }
}

for (const mode of ["plain loop", "ready futures", "plain loop + yieldNow"] as const) {
  const rt = new Runtime({ trace: true });
  const progress = { taken: 0 };
  const ticks: number[] = [];
  await rt.run(function* () {
    const tasks = [
      spawn(hog(mode, progress), { name: "hog" }),
      spawn(ticker(progress, ticks), { name: "ticker" }),
    ];
    for (const task of tasks) yield* task;
  });
  console.log(`${mode}: the ticker ran when the hog had taken ${ticks.join(", ")}`);
  console.log(stepTimeline(rt, ["hog", "ticker"]));
}

/** One row per named task, one column per step of those tasks, in the order they ran. */
function stepTimeline(rt: Runtime, names: string[]): string {
  const events = rt.traceEvents().traceEvents as {
    ph: string;
    cat?: string;
    name: string;
    tid: number;
    ts: number;
    args?: { name?: string };
  }[];
  const taskName = new Map<number, string>();
  for (const e of events)
    if (e.ph === "M" && e.name === "thread_name") taskName.set(e.tid, String(e.args?.name));
  const steps = events
    .filter((e) => e.cat === "step" && names.includes(taskName.get(e.tid) ?? ""))
    .sort((a, b) => a.ts - b.ts);
  return names
    .map((name) => {
      const row = steps.map((s) => (taskName.get(s.tid) === name ? "█" : "·")).join("");
      return `  ${name.padEnd(7)}${row}`;
    })
    .join("\n");
}
