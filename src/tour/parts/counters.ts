/** Part 1: three counting coroutines finish in one sleep, not three. */
import { type Coroutine, sleep, spawn } from "../../index.js";
import { type Part, seconds } from "../kit.js";

function* count(say: (word: string) => void): Coroutine<void> {
  say("One");
  yield* sleep(1000);
  say("Two");
}

export const counters: Part = {
  title: "1. Three counters, one second",
  intro:
    'Each counter prints "One", sleeps one second, prints "Two". A sleep is a point where a ' +
    "coroutine hands control back to the runtime, which runs whatever else is ready meanwhile.",
  async run({ p, runtime, timeline }) {
    p.code(
      'function* count() { say("One"); yield* sleep(1000); say("Two"); }\n' +
        "concurrently: const tasks = [1, 2, 3].map(() => spawn(count)); for (const t of tasks) yield* t;\n" +
        "sequentially: for (const n of [1, 2, 3]) yield* spawn(count);  // join each before the next",
    );
    p.line();
    const say = (word: string): void => p.write(`${word} `);

    const together = runtime("concurrently");
    together.spawn(
      function* () {
        const tasks = [1, 2, 3].map((n) => spawn(() => count(say), { name: `count ${n}` }));
        for (const task of tasks) yield* task;
      },
      { name: "main" },
    );
    p.write("  concurrently: ");
    let start = performance.now();
    await together.run();
    p.line(` ${p.dim(`(${seconds(start)})`)}`);

    const inTurn = runtime("sequentially");
    inTurn.spawn(
      function* () {
        // Each counter is joined before the next one is spawned: one at a time.
        for (const n of [1, 2, 3]) yield* spawn(() => count(say), { name: `count ${n}` });
      },
      { name: "main" },
    );
    p.write("  sequentially: ");
    start = performance.now();
    await inTurn.run();
    p.line(` ${p.dim(`(${seconds(start)})`)}`);

    p.line();
    p.line(`  concurrently, on the same scale as sequentially:`);
    timeline(together, { durationMs: 3000 });
    p.line(`  sequentially:`);
    timeline(inTurn, { durationMs: 3000 });
    p.line();
    p.notice(
      "the three concurrent sleeps overlap, so all three finish after one second; " +
        "one thread did it all, and no counter ran while another was running (each █ is a " +
        "step: from one yield* to the next). In Python: asyncio.gather(count(), count(), count()).",
    );
  },
};
