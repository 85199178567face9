/** Part 3: producers and consumers over a bounded queue (asyncio's Queue). */
import { type Coroutine, now, Queue, sleep, spawn } from "../../index.js";
import { type Part, seconds } from "../kit.js";

const ITEMS = 3; // per producer
const MAKE_MS = 30; // a producer makes an item this fast...
const WORK_MS = 100; // ...a consumer needs this long for one

export const queue: Part = {
  title: "3. Producers and consumers",
  intro:
    `Two producers make ${ITEMS} items each, one every ${MAKE_MS} ms, and put them on a queue ` +
    `that holds 2. Two consumers take items off it and need ${WORK_MS} ms per item. ` +
    "When the queue is full, put() waits; when it is empty, get() waits.",
  async run({ p, runtime, timeline }) {
    p.code(
      "const q = new Queue(2);\n" +
        "producer: for (...) { yield* sleep(30); yield* q.put(item); }\n" +
        "consumer: for (;;) { const item = yield* q.get(); yield* sleep(100); q.taskDone(); }",
    );
    p.line();
    const start = performance.now();
    const at = (): string => p.dim(`[${seconds(start)}]`);
    let blocked = 0; // ms producers spent waiting for room

    function* producer(name: string, q: Queue<string>): Coroutine<void> {
      for (let i = 1; i <= ITEMS; i++) {
        yield* sleep(MAKE_MS);
        const t = now();
        yield* q.put(`${name}${i}`);
        blocked += now() - t;
      }
    }

    function* consumer(name: string, q: Queue<string>): Coroutine<void> {
      for (;;) {
        const item = yield* q.get();
        yield* sleep(WORK_MS);
        p.line(`  ${at()} ${name} finished ${item}`);
        q.taskDone();
      }
    }

    const rt = runtime();
    rt.spawn(
      function* () {
        const q = new Queue<string>(2);
        for (const n of [1, 2])
          spawn(() => consumer(`consumer ${n}`, q), { name: `consumer ${n}` });
        const producers = ["A", "B"].map((n) =>
          spawn(() => producer(n, q), { name: `producer ${n}` }),
        );
        for (const task of producers) yield* task;
        yield* q.join(); // every item put has been marked done
        // main ends here: its children, the consumers still waiting in get(), are cancelled.
      },
      { name: "main" },
    );
    await rt.run();
    p.line(
      `  ${ITEMS * 2} items in ${seconds(start)}; the producers spent ${(blocked / 1000).toFixed(2)} s ` +
        "waiting for room in the queue",
    );
    p.line();
    timeline(rt);
    p.line();
    p.notice(
      "the fast producers are held back by the full queue (backpressure: their ─ is " +
        "'put on queue… (full)'), and the consumers work in parallel. When main returned, the " +
        "consumers, blocked in get() forever, were cancelled for it: a task's children never " +
        "outlive it. Python: asyncio.Queue; Tokio: tokio::sync::mpsc::channel(2).",
    );
  },
};
