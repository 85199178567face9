/** Part 6: the runtime driven by hand, one step at a time. */
import { type Coroutine, type Runtime, yieldNow } from "../../index.js";
import type { Part } from "../kit.js";

function* greet(name: string, say: (text: string) => void): Coroutine<string> {
  say(`${name}: hello`);
  yield* yieldNow(); // a suspension point: back to the runtime
  say(`${name}: world`);
  return `${name} done`;
}

export const step: Part = {
  title: "6. One step at a time",
  intro:
    "The runtime is a loop that resumes coroutines. Here we turn the loop by hand with " +
    "`runtime.step()`, which resumes one ready task until its next suspension (the `yield*`).",
  async run({ p, runtime }) {
    const said: string[] = [];
    const say = (text: string): void => {
      said.push(text);
    };
    const show = (code: string, note: string): void => {
      const out = said.splice(0).join(", ");
      p.line(`  ${code.padEnd(26)} ${out === "" ? p.dim("(nothing printed)") : p.bold(out)}`);
      if (note !== "") p.line(`  ${"".padEnd(26)} ${p.dim(note)}`);
    };
    const states = (rt: Runtime): string =>
      rt
        .tasks()
        .map((t) => `${t.name} ${t.state}`)
        .join(", ");

    const rt: Runtime = runtime();
    p.code(
      'function* greet(name) { say(name + ": hello"); yield* yieldNow(); say(name + ": world"); }',
    );
    p.line();
    const a = greet("a", say);
    show('const a = greet("a")', "a coroutine object: created, not started (Python: a = greet())");
    rt.spawn(a, { name: "a" });
    rt.spawn(greet("b", say), { name: "b" });
    show("rt.spawn(a); rt.spawn(b)", `spawn only queues them: ${states(rt)} (= ready to run)`);
    let n = 0;
    for (;;) {
      const ran = rt.step();
      n++;
      const after = rt.tasks();
      show(
        `rt.step() → ${ran}`,
        ran
          ? after.length === 0
            ? "both returned: no task is left"
            : `ran one task to its next yield*; now ${states(rt)}`
          : "no task was ready: the loop would now wait for a timer or I/O",
      );
      if (!ran || n > 10) break;
    }
    p.line();
    p.notice(
      "nothing ran until the runtime resumed it, and each task ran only up to its next " +
        "yield*, then gave control back: cooperative scheduling, no pre-emption. step() is " +
        "Python's coro.send(None) (next()) and Tokio's Future::poll() — with the executor's queue around it.",
    );
  },
};
