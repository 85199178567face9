/** Part 2: chained coroutines; the total time is the longest chain, not the sum. */
import { type Coroutine, now, sleep, spawn } from "../../index.js";
import { type Part, seconds } from "../kit.js";

// How long each chain's two parts take (ms): [part1, part2].
const CHAINS: [number, number][] = [
  [150, 150],
  [250, 350],
  [100, 100],
];

function* part1(n: number, ms: number): Coroutine<string> {
  yield* sleep(ms);
  return `result${n}-A`;
}

function* part2(n: number, ms: number, arg: string): Coroutine<string> {
  yield* sleep(ms);
  return `result${n}-B (from ${arg})`;
}

/** part2 needs part1's result, so a chain runs its parts one after the other. */
function* chain(n: number, say: (text: string) => void): Coroutine<void> {
  const [ms1, ms2] = CHAINS[n - 1] as [number, number];
  const start = now();
  const a = yield* part1(n, ms1);
  const b = yield* part2(n, ms2, a);
  say(`chain ${n} → ${b}, after ${Math.round(now() - start)} ms (${ms1} + ${ms2})`);
}

export const chains: Part = {
  title: "2. Chained coroutines",
  intro:
    "Each chain calls part1, then part2 with part1's result; `yield*` is the chaining, as " +
    "`await` is in Python. Three chains run as three tasks.",
  async run({ p, runtime, timeline }) {
    p.code(
      "function* chain(n) { const a = yield* part1(n); const b = yield* part2(n, a); }\n" +
        "const tasks = [1, 2, 3].map((n) => spawn(() => chain(n)));",
    );
    p.line();
    const rt = runtime();
    rt.spawn(
      function* () {
        const tasks = [1, 2, 3].map((n) =>
          spawn(() => chain(n, (text) => p.line(`  ${text}`)), { name: `chain ${n}` }),
        );
        for (const task of tasks) yield* task;
      },
      { name: "main" },
    );
    const start = performance.now();
    await rt.run();
    const longest = Math.max(...CHAINS.map(([a, b]) => a + b));
    const sum = CHAINS.reduce((total, [a, b]) => total + a + b, 0);
    p.line(
      `  all three done in ${seconds(start)}: the longest chain is ${longest} ms, the sum would be ${sum} ms`,
    );
    p.line();
    timeline(rt);
    p.line();
    p.notice(
      "inside one chain the parts run in order (each waits for the last), while the chains " +
        "overlap: total time = the longest chain. part1 and part2 are not tasks of their own — " +
        "yield* runs them inside the chain's task, so the timeline has one row per chain.",
    );
  },
};
