/**
 * asyncio's queues share the channel core; the core's randomized test, run
 * for each of its stores (ring: `Queue`, heap: `PriorityQueue`, stack:
 * `LifoQueue`). fast-check drives producers, consumers, cancellations (by time,
 * by turns of the ready queue, and right after another task's operation, so
 * they land between a wake-up and the woken task's poll) and the scheduler
 * seed; virtual time makes the sleeps free. Properties:
 *
 * - every item whose put completed is taken exactly once (or, with
 *   `shutdown(true)`, dropped), and none whose put was cancelled;
 * - each get takes exactly the item its store promises at that moment: the
 *   oldest (Queue), the newest (LifoQueue), the smallest, oldest first among
 *   equals (PriorityQueue), checked against a model of what the queue holds;
 * - the core's invariants hold after every operation, no waiter is left
 *   behind, and every item is accounted for by `taskDone` (`join` returns).
 */
import {
  type Coroutine,
  LifoQueue,
  PriorityQueue,
  Queue,
  sleep,
  spawn,
  type Task,
  yieldNow,
} from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** An item: [priority, producer, index]. */
type Item = [number, number, number];

function* settled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch {}
}

const strike = fc.option(
  fc.record({ kind: fc.constantFrom("ms", "turns"), n: fc.integer({ min: 0, max: 40 }) }),
  { nil: null },
);

function* waitFor(when: { kind: string; n: number }): Coroutine<void> {
  if (when.kind === "ms") yield* sleep(when.n);
  else for (let i = 0; i < when.n; i++) yield* yieldNow();
}

const kinds = {
  Queue: {
    make: (maxsize: number) => new Queue<Item>(maxsize),
    /** Where in the model (items in put order) the next get must take from. */
    pick: (_model: Item[]) => 0,
  },
  LifoQueue: {
    make: (maxsize: number) => new LifoQueue<Item>(maxsize),
    pick: (model: Item[]) => model.length - 1,
  },
  PriorityQueue: {
    make: (maxsize: number) => new PriorityQueue<Item>(maxsize, (a, b) => a[0] - b[0]),
    pick: (model: Item[]) => {
      let best = 0;
      model.forEach((item, i) => {
        if (item[0] < (model[best] as Item)[0]) best = i;
      });
      return best;
    },
  },
};

describe.each(Object.keys(kinds) as (keyof typeof kinds)[])(
  "%s under random producers, consumers and cancellations",
  (kind) => {
    it("takes every put item exactly once, in its store's order, with the invariants held", async () => {
      const { make, pick } = kinds[kind];
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            seed: fc.integer(),
            maxsize: fc.integer({ min: 0, max: 4 }),
            producers: fc.array(
              fc.record({
                count: fc.integer({ min: 0, max: 12 }),
                pause: fc.integer({ min: 0, max: 3 }),
                cancelAt: strike,
              }),
              { minLength: 1, maxLength: 4 },
            ),
            consumers: fc.array(
              fc.record({ pause: fc.integer({ min: 0, max: 3 }), cancelAt: strike }),
              { minLength: 1, maxLength: 3 },
            ),
            snipes: fc.array(fc.record({ by: fc.nat(6), after: fc.nat(10), victim: fc.nat(6) }), {
              maxLength: 3,
            }),
            priorities: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 12, maxLength: 12 }),
            immediate: fc.boolean(),
          }),
          async ({ seed, maxsize, producers, consumers, snipes, priorities, immediate }) => {
            const put: string[] = [];
            const taken: string[] = [];
            let dropped: string[] = [];
            const wrongOrder: string[] = [];
            const tasks: Task<unknown>[] = [];
            const ops = new Array<number>(producers.length + consumers.length).fill(0);
            const afterOp = (me: number): void => {
              const n = ops[me]++;
              for (const s of snipes) if (s.by === me && s.after === n) tasks[s.victim]?.cancel();
            };
            const key = (item: Item): string => `${item[1]}:${item[2]}`;
            await runTest(
              function* () {
                const q = make(maxsize);
                /** What the queue holds, in put order (updated right after each put and get). */
                const model: Item[] = [];
                const producerTasks = producers.map((p, id) =>
                  spawn(function* () {
                    for (let i = 0; i < p.count; i++) {
                      if (p.pause > 0 && i % 2 === 1) yield* sleep(p.pause);
                      if (p.pause === 0 && i % 3 === 1) yield* yieldNow();
                      const item: Item = [priorities[i] as number, id, i];
                      yield* q.put(item);
                      model.push(item);
                      put.push(key(item));
                      q._check();
                      afterOp(id);
                    }
                  }),
                );
                tasks.push(...producerTasks);
                const consumerTasks = consumers.map((c, k) =>
                  spawn(function* () {
                    for (let n = 0; ; n++) {
                      if (c.pause > 0 && n % 3 === 2) yield* sleep(c.pause);
                      if (c.pause === 0 && n % 2 === 1) yield* yieldNow();
                      let item: Item;
                      try {
                        item = yield* q.get();
                      } catch {
                        return; // shut down and empty
                      }
                      const [expected] = model.splice(pick(model), 1);
                      if (expected !== item)
                        wrongOrder.push(`${key(item)} for ${expected && key(expected)}`);
                      taken.push(key(item));
                      q.taskDone();
                      q._check();
                      afterOp(producers.length + k);
                    }
                  }),
                );
                tasks.push(...consumerTasks);
                [...producers, ...consumers].forEach((step, i) => {
                  const at = step.cancelAt;
                  if (at === null) return;
                  spawn(function* () {
                    yield* waitFor(at);
                    (tasks[i] as Task<unknown>).cancel();
                  });
                });
                // Once the producers have ended, shut the queue down: consumers drain it (or,
                // with `immediate`, what is left is dropped) and then end.
                spawn(function* () {
                  for (const t of producerTasks) yield* settled(t);
                  if (immediate) dropped = model.splice(0).map(key);
                  q.shutdown(immediate);
                  q._check();
                });
                for (const c of consumerTasks) yield* settled(c);
                // Every consumer may have been cancelled: take the rest here, while the
                // producers finish or are cancelled.
                for (;;) {
                  let item: Item;
                  try {
                    item = yield* q.get();
                  } catch {
                    break;
                  }
                  const [expected] = model.splice(pick(model), 1);
                  if (expected !== item)
                    wrongOrder.push(`${key(item)} for ${expected && key(expected)}`);
                  taken.push(key(item));
                  q.taskDone();
                }
                for (const t of tasks) yield* settled(t);
                q._check();
                yield* q.join(); // every item taken was marked done, every dropped one counted
                expect(q.statistics()).toMatchObject({
                  length: 0,
                  unfinished: 0,
                  shutDown: true,
                  waitingPutters: 0,
                  waitingGetters: 0,
                  waitingJoiners: 0,
                });
              },
              { seed },
            );
            expect(wrongOrder).toEqual([]);
            const got = [...taken, ...dropped];
            expect(new Set(got).size).toBe(got.length);
            expect([...got].sort()).toEqual([...put].sort());
          },
        ),
        { numRuns: 300 },
      );
    });
  },
);
