/**
 * Producers and consumers over a queue: the classic asyncio example, ported.
 *
 * Three producers put random tokens into a `Queue` with random pauses, until
 * each draws a token below 0.05; ten consumers take tokens and take their time
 * over each one, calling `taskDone()` when finished. The main task waits for
 * the producers, then `join()`s the queue: it returns once every token put has
 * been processed. Then the consumers, parked in `get()` forever, are cancelled
 * (as the asyncio original does; leaving the body would cancel them anyway,
 * since no task outlives its parent).
 *
 * What to notice: `queue.put` and `queue.get` are futures used with `yield*`;
 * a consumer parked in `get()` costs nothing until a token arrives; cancelling
 * it in `get()` loses no token (a get took nothing until it returned).
 *
 *   npm run build && npx tsx examples/producer-consumer.ts [seed]
 */
import { pathToFileURL } from "node:url";
import { type Coroutine, now, Queue, run, sleep, spawn } from "corio";

export interface Options {
  producers?: number;
  consumers?: number;
  /** Seed for the random tokens and pauses (the same seed, the same story). */
  seed?: number;
  log?: (line: string) => void;
}

export interface Outcome {
  produced: number[];
  consumed: number[];
}

export function* producerConsumer(options: Options = {}): Coroutine<Outcome> {
  const { producers = 3, consumers = 10, seed = 1, log = console.log } = options;
  const random = mulberry32(seed);
  const queue = new Queue<number>();
  const produced: number[] = [];
  const consumed: number[] = [];
  const start = now();
  const t = () => `${((now() - start) / 1000).toFixed(2).padStart(5)}s`;

  function* producer(id: number): Coroutine<void> {
    for (;;) {
      const token = random();
      if (token < 0.05) break;
      yield* queue.put(token);
      produced.push(token);
      log(`${t()} producer ${id} put ${token.toFixed(3)}`);
      yield* sleep(100 * random() * 2);
    }
    log(`${t()} producer ${id} is done`);
  }

  function* consumer(id: number): Coroutine<void> {
    for (;;) {
      const token = yield* queue.get();
      yield* sleep(300 * random() * 2); // "process" the token
      queue.taskDone();
      consumed.push(token);
      log(`${t()} consumer ${id} processed ${token.toFixed(3)}`);
    }
  }

  // Each task calls `producer` or `consumer`, defined once, with its number: cheaper to start
  // than a `function*` written inline per task (docs/concepts.md, "the fast idiom").
  const producerTasks = Array.from({ length: producers }, (_, i) => spawn(() => producer(i)));
  const consumerTasks = Array.from({ length: consumers }, (_, i) => spawn(() => consumer(i)));
  for (const p of producerTasks) yield* p;
  log(`${t()} ---- done producing`);
  yield* queue.join(); // every token put has been processed
  for (const c of consumerTasks) c.cancel();
  log(`${t()} ---- all ${consumed.length} tokens processed`);
  return { produced, consumed };
}

/** A small seedable PRNG, so a run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seed = Number(process.argv[2] ?? 1);
  const { produced, consumed } = await run(() => producerConsumer({ seed }));
  console.log(`produced ${produced.length}, consumed ${consumed.length} (seed ${seed})`);
}
