/**
 * Properties under seeded scheduling (fast-check drives the scenario and the
 * scheduler seed; virtual time makes the sleeps free):
 *
 * - random producers, consumers and cancellations on a bounded channel deliver
 *   every value whose send completed exactly once, never one whose send was
 *   cancelled, and in order per producer; the channel's invariants hold after
 *   every operation and no waiter is left behind;
 * - a semaphore never admits more than its permits, whatever is cancelled when,
 *   and ends with every permit back;
 * - a mutex admits one holder at a time under random cancellation.
 */
import {
  type Coroutine,
  channel,
  Mutex,
  Semaphore,
  sleep,
  spawn,
  type Task,
  yieldNow,
} from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function* settled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch {}
}

const cancelAt = fc.option(fc.integer({ min: 0, max: 40 }), { nil: null });

/**
 * When a canceller strikes: after `n` ms of virtual time, or after `n` turns of
 * the ready queue (which lands between a wake-up and the woken task's poll far
 * more often than a timer does).
 */
const strike = fc.option(
  fc.record({ kind: fc.constantFrom("ms", "turns"), n: fc.integer({ min: 0, max: 40 }) }),
  { nil: null },
);

function* waitFor(when: { kind: string; n: number }): Coroutine<void> {
  if (when.kind === "ms") yield* sleep(when.n);
  else for (let i = 0; i < when.n; i++) yield* yieldNow();
}

describe("bounded channel under random producers, consumers and cancellations", () => {
  it("delivers every sent value exactly once, in order per producer", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          capacity: fc.integer({ min: 1, max: 4 }),
          producers: fc.array(
            fc.record({
              count: fc.integer({ min: 0, max: 15 }),
              pause: fc.integer({ min: 0, max: 3 }),
              cancelAt: strike,
            }),
            { minLength: 1, maxLength: 4 },
          ),
          consumers: fc.array(
            fc.record({ pause: fc.integer({ min: 0, max: 3 }), cancelAt: strike }),
            { minLength: 1, maxLength: 3 },
          ),
          // Cancel task #victim right after operation #after of task #by: this lands
          // between the wake-up an operation caused and the woken task's poll.
          snipes: fc.array(fc.record({ by: fc.nat(6), after: fc.nat(10), victim: fc.nat(6) }), {
            maxLength: 3,
          }),
        }),
        async ({ seed, capacity, producers, consumers, snipes }) => {
          const sent: string[] = [];
          const received: [number, number][] = [];
          const tasks: Task<unknown>[] = [];
          const ops = new Array<number>(producers.length + consumers.length).fill(0);
          /** Task #me did an operation: carry out the snipes planned for it. */
          const afterOp = (me: number): void => {
            const n = ops[me]++;
            for (const s of snipes) if (s.by === me && s.after === n) tasks[s.victim]?.cancel();
          };
          await runTest(
            function* () {
              const [tx, rx] = channel<[number, number]>(capacity);
              const producerTasks = producers.map((p, id) =>
                spawn(function* () {
                  for (let i = 0; i < p.count; i++) {
                    if (p.pause > 0 && i % 2 === 1) yield* sleep(p.pause);
                    if (p.pause === 0 && i % 3 === 1) yield* yieldNow();
                    yield* tx.send([id, i]);
                    sent.push(`${id}:${i}`); // runs before any later cancel point
                    tx._check();
                    afterOp(id);
                  }
                }),
              );
              tasks.push(...producerTasks);
              // The producers share one sender (a task cancelled before it ran runs
              // no code, not even a finally): close it once they have all ended.
              spawn(function* () {
                for (const t of producerTasks) yield* settled(t);
                tx.close();
              });
              const consumerTasks = consumers.map((c, k) =>
                spawn(function* () {
                  for (let n = 0; ; n++) {
                    if (c.pause > 0 && n % 3 === 2) yield* sleep(c.pause);
                    if (c.pause === 0 && n % 2 === 1) yield* yieldNow();
                    const r = yield* rx.recv();
                    if (r.done) return;
                    received.push(r.value);
                    rx._check();
                    afterOp(producers.length + k);
                  }
                }),
              );
              tasks.push(...consumerTasks);
              const plan = [...producers, ...consumers];
              plan.forEach((step, i) => {
                const at = step.cancelAt;
                if (at === null) return;
                spawn(function* () {
                  yield* waitFor(at);
                  (tasks[i] as Task<unknown>).cancel();
                });
              });
              for (const c of consumerTasks) yield* settled(c);
              // Every consumer may have been cancelled: take the rest here, while
              // producers finish or are cancelled (each closes its sender).
              for (;;) {
                const r = yield* rx.recv();
                if (r.done) break;
                received.push(r.value);
              }
              for (const t of tasks) yield* settled(t);
              rx._check();
              expect(rx.statistics()).toMatchObject({
                length: 0,
                waitingSenders: 0,
                waitingReceivers: 0,
                senders: 0,
              });
            },
            { seed },
          );
          // Exactly once: what was received is exactly what was sent.
          const got = received.map(([p, i]) => `${p}:${i}`);
          expect(new Set(got).size).toBe(got.length);
          expect([...got].sort()).toEqual([...sent].sort());
          // In order per producer, with no gaps (a cancelled send is the last attempt).
          producers.forEach((_, id) => {
            const mine = received.filter(([p]) => p === id).map(([, i]) => i);
            expect(mine).toEqual(mine.map((_, k) => k));
          });
        },
      ),
      { numRuns: 600 },
    );
  });
});

describe("semaphore under random acquires and cancellations", () => {
  it("never admits more than its permits and ends with all of them back", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          permits: fc.integer({ min: 1, max: 5 }),
          tasks: fc.array(
            fc.record({
              need: fc.integer({ min: 1, max: 5 }),
              hold: fc.integer({ min: 0, max: 5 }),
              rounds: fc.integer({ min: 1, max: 4 }),
              cancelAt,
            }),
            { minLength: 1, maxLength: 8 },
          ),
        }),
        async ({ seed, permits, tasks }) => {
          let held = 0;
          let peak = 0;
          await runTest(
            function* () {
              const sem = new Semaphore(permits);
              const running = tasks.map((t) =>
                spawn(function* () {
                  const k = Math.min(t.need, permits);
                  for (let r = 0; r < t.rounds; r++) {
                    const permit = yield* sem.acquire(k);
                    held += k;
                    peak = Math.max(peak, held);
                    expect(held).toBeLessThanOrEqual(permits);
                    try {
                      yield* sleep(t.hold);
                    } finally {
                      held -= k;
                      permit.release();
                    }
                    sem._check();
                  }
                }),
              );
              tasks.forEach((t, i) => {
                const at = t.cancelAt;
                if (at === null) return;
                spawn(function* () {
                  yield* sleep(at);
                  (running[i] as Task<unknown>).cancel();
                });
              });
              for (const t of running) yield* settled(t);
              sem._check();
              expect(sem.statistics()).toEqual({ available: permits, waiting: 0 });
            },
            { seed },
          );
          expect(held).toBe(0);
          expect(peak).toBeLessThanOrEqual(permits);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("mutex under random cancellations", () => {
  it("admits one holder at a time and loses no update of the tasks that finished", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(fc.record({ rounds: fc.integer({ min: 1, max: 5 }), cancelAt }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (seed, plan) => {
          let inside = 0;
          let completedRounds = 0;
          await runTest(
            function* () {
              const m = new Mutex(0);
              const tasks = plan.map((p) =>
                spawn(function* () {
                  for (let r = 0; r < p.rounds; r++) {
                    const guard = yield* m.lock();
                    try {
                      inside++;
                      expect(inside).toBe(1);
                      const v = guard.value;
                      yield* sleep(1);
                      guard.value = v + 1;
                      completedRounds++;
                    } finally {
                      inside--;
                      guard.release();
                    }
                  }
                }),
              );
              plan.forEach((p, i) => {
                const at = p.cancelAt;
                if (at === null) return;
                spawn(function* () {
                  yield* sleep(at);
                  (tasks[i] as Task<unknown>).cancel();
                });
              });
              for (const t of tasks) yield* settled(t);
              const guard = m.tryLock();
              expect(guard).not.toBeNull();
              expect(guard?.value).toBe(completedRounds);
              expect(m.statistics()).toEqual({ locked: true, waiting: 0 });
            },
            { seed },
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});
