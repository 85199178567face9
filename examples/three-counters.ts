/**
 * Three counting coroutines: each prints "One", sleeps a second, prints "Two".
 * Run concurrently they finish in about one second, not three, because while
 * one coroutine sleeps the runtime runs the others. Run sequentially (each
 * joined before the next starts) they take three.
 *
 *   npx tsx examples/three-counters.ts
 */
import { type Coroutine, now, run, sleep, spawn } from "corio";

function* count(name: string, log: string[]): Coroutine<void> {
  log.push(`${name}: One`);
  yield* sleep(1000);
  log.push(`${name}: Two`);
}

function* concurrently(): Coroutine<string[]> {
  const log: string[] = [];
  // A task per name, each calling `count` (defined once) with its arguments: the fast way to
  // start many tasks (docs/concepts.md, "Starting many tasks: the fast idiom").
  const tasks = ["a", "b", "c"].map((name) => spawn(() => count(name, log)));
  for (const task of tasks) yield* task;
  return log;
}

function* sequentially(): Coroutine<string[]> {
  const log: string[] = [];
  for (const name of ["a", "b", "c"]) yield* count(name, log);
  return log;
}

for (const [label, body] of [
  ["concurrently", concurrently],
  ["sequentially", sequentially],
] as const) {
  const start = performance.now();
  const log = await run(body);
  const seconds = ((performance.now() - start) / 1000).toFixed(2);
  console.log(`${label}: ${log.map((l) => l.split(": ")[1]).join(" ")}  (${seconds} s)`);
}
console.log(`(now() is the runtime's clock: ${now().toFixed(0)} ms since the process started)`);
