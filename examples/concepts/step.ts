// The executor and the reactor, taken apart. runtime.step() is one turn of the
// executor: fire due timers, then resume one ready task until it waits again.
// While a task waits on a timer, there is nothing to step: the runtime's loop would
// now sleep until the timer (or an I/O event from Node's loop, the reactor) wakes it.
import { Runtime, sleep } from "corio";

const rt = new Runtime();
rt.spawn(
  function* () {
    console.log("  task: before the sleep");
    yield* sleep(30);
    console.log("  task: after the sleep");
  },
  { name: "sleeper" },
);
const state = (): string =>
  `[${rt
    .tasks()
    .map((t) => `${t.name} ${t.state}${t.waitingOn ? ` on ${t.waitingOn.split(" (")[0]}` : ""}`)
    .join(", ")}]`;

console.log(`step() → ${rt.step()}`, state());
console.log(`step() → ${rt.step()}`, state(), "nothing is ready: the timer has not fired");
await new Promise((resolve) => setTimeout(resolve, 40)); // time passes (Node's loop runs)
console.log(
  `step() → ${rt.step()}`,
  state(),
  "the timer fired and woke the task, which ran to the end",
);
console.log(`step() → ${rt.step()}`);
