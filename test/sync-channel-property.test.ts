/**
 * The channel core's randomized test for the features of issue 13: producers
 * that `send`, or `reserve()` and then fill the permit (holding it across a
 * suspension, or releasing it and sending again), consumers that `recv` or
 * `recvMany(k)`, and cancellations (by time, by turns, and right after
 * another task's operation, so they land between a wake-up and the woken
 * task's poll). Properties: every value whose send (or permit send)
 * completed is received exactly once, none whose send was cancelled; each
 * producer's values arrive in order; the core's invariants hold after every
 * operation; nothing is left waiting or held. Capacities 0 (a rendezvous) to 3.
 */
import { type Coroutine, channel, sleep, spawn, type Task, yieldNow } from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function* settled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch {}
}

const strike = fc.option(
  fc.record({ kind: fc.constantFrom("ms", "turns"), n: fc.integer({ min: 0, max: 30 }) }),
  { nil: null },
);

function* waitUntil(when: { kind: string; n: number }): Coroutine<void> {
  if (when.kind === "ms") yield* sleep(when.n);
  else for (let i = 0; i < when.n; i++) yield* yieldNow();
}

describe("channel under random sends, reserves, recv/recvMany and cancellations", () => {
  it("receives every sent value exactly once, in each producer's order, with the invariants held", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          capacity: fc.integer({ min: 0, max: 3 }), // 0: a rendezvous
          producers: fc.array(
            fc.record({
              modes: fc.array(fc.constantFrom("send", "reserve", "hold", "release"), {
                minLength: 0,
                maxLength: 10,
              }),
              cancelAt: strike,
            }),
            { minLength: 1, maxLength: 3 },
          ),
          consumers: fc.array(
            fc.record({ many: fc.integer({ min: 0, max: 3 }), cancelAt: strike }),
            { minLength: 1, maxLength: 3 },
          ),
          snipes: fc.array(fc.record({ by: fc.nat(5), after: fc.nat(8), victim: fc.nat(5) }), {
            maxLength: 3,
          }),
        }),
        async ({ seed, capacity, producers, consumers, snipes }) => {
          const sent: string[] = [];
          const taken: string[] = [];
          const outOfOrder: string[] = [];
          const tasks: Task<unknown>[] = [];
          const ops = new Array<number>(producers.length + consumers.length).fill(0);
          const afterOp = (me: number): void => {
            const n = ops[me]++;
            for (const s of snipes) if (s.by === me && s.after === n) tasks[s.victim]?.cancel();
          };
          await runTest(
            function* () {
              const [tx, rx] = channel<[number, number]>(capacity);
              const last = new Map<number, number>();
              const got = (v: [number, number]): void => {
                const [p, i] = v;
                if ((last.get(p) ?? -1) >= i) outOfOrder.push(`${p}:${i}`);
                last.set(p, i);
                taken.push(`${p}:${i}`);
              };
              const producerTasks = producers.map((p, id) =>
                spawn(function* () {
                  for (let i = 0; i < p.modes.length; i++) {
                    const mode = p.modes[i];
                    const v: [number, number] = [id, i];
                    if (mode === "send") {
                      yield* tx.send(v);
                    } else {
                      using permit = yield* tx.reserve();
                      rx._check();
                      if (mode === "hold") yield* yieldNow();
                      if (mode === "release") {
                        permit.release();
                        rx._check();
                        yield* tx.send(v);
                      } else {
                        permit.send(v);
                      }
                    }
                    sent.push(`${id}:${i}`);
                    rx._check();
                    afterOp(id);
                  }
                }),
              );
              tasks.push(...producerTasks);
              const consumerTasks = consumers.map((c, k) =>
                spawn(function* () {
                  for (let n = 0; ; n++) {
                    if (n % 2 === 1) yield* yieldNow();
                    if (c.many > 0) {
                      const batch = yield* rx.recvMany(c.many);
                      if (batch.length === 0) return;
                      if (batch.length > c.many) outOfOrder.push("batch too long");
                      for (const v of batch) got(v);
                    } else {
                      const r = yield* rx.recv();
                      if (r.done) return;
                      got(r.value);
                    }
                    rx._check();
                    afterOp(producers.length + k);
                  }
                }),
              );
              tasks.push(...consumerTasks);
              [...producers, ...consumers].forEach((step, i) => {
                const at = step.cancelAt;
                if (at === null) return;
                spawn(function* () {
                  yield* waitUntil(at);
                  (tasks[i] as Task<unknown>).cancel();
                });
              });
              spawn(function* () {
                for (const t of producerTasks) yield* settled(t);
                tx.close();
                rx._check();
              });
              for (const c of consumerTasks) yield* settled(c);
              for (;;) {
                const r = yield* rx.recv();
                if (r.done) break;
                got(r.value);
              }
              for (const t of tasks) yield* settled(t);
              rx._check();
              expect(rx.statistics()).toMatchObject({
                length: 0,
                closed: true,
                waitingSenders: 0,
                waitingReceivers: 0,
              });
            },
            { seed },
          );
          expect(outOfOrder).toEqual([]);
          expect([...taken].sort()).toEqual([...sent].sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
