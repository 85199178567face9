/**
 * The hierarchical timer wheel against a model (a plain list of deadlines):
 * random files, cancels and advances over spans from one tick to beyond the
 * wheel's range, with the wheel's invariants checked after every operation
 * (`TimerWheel.check()`), as the channel core's are in sync-property.test.ts.
 * Then the same through a runtime: random sleeps and cancels stepped one step
 * at a time on a virtual clock.
 */
import { now, Runtime, sleep, spawn } from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type TimerNode, TimerWheel, unfile } from "../src/core/timer-wheel.js";

class Node implements TimerNode {
  when = 0;
  prevT: TimerNode | null = null;
  nextT: TimerNode | null = null;
  constructor(
    readonly seq: number,
    readonly deadline: number,
  ) {}
  fire(): void {}
}

/** A distance from now: mostly near, sometimes across levels, sometimes past the wheel's range. */
const distance = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -3, max: 70 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * 32 ** 7 + 5_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 32 ** 6 - 40, max: 32 ** 6 + 40 }) },
);

const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("file" as const), d: distance }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), i: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), d: distance }) },
);

describe("timer wheel", () => {
  it("a property: fires exactly the due timers, in deadline order (FIFO on ties); invariants hold", () => {
    // The clock from its start, and near 2^31 ms, where the wheel leaves its 31-bit fast path.
    const starts = fc.oneof(
      fc.nat({ max: 5_000 }),
      fc.integer({ min: 2 ** 31 - 50_000, max: 2 ** 31 + 5_000 }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), starts, (ops, start) => {
        const wheel = new TimerWheel();
        wheel.advance(start, () => {});
        let seq = 0;
        let filed: Node[] = []; // the model
        for (const o of ops) {
          if (o.kind === "file") {
            const node = new Node(seq++, wheel.elapsed + o.d);
            node.when = node.deadline;
            const ok = wheel.insert(node);
            expect(ok).toBe(node.deadline > wheel.elapsed);
            if (ok) filed.push(node);
          } else if (o.kind === "cancel") {
            if (filed.length === 0) continue;
            const node = filed.splice(o.i % filed.length, 1)[0] as Node;
            unfile(node);
            expect(node.prevT).toBeNull();
          } else {
            const now = wheel.elapsed + Math.max(0, o.d);
            const fired: Node[] = [];
            wheel.advance(now, (n) => fired.push(n as Node));
            const due = filed
              .filter((n) => n.deadline <= now)
              .sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
            expect(fired.map((n) => n.seq)).toEqual(due.map((n) => n.seq));
            filed = filed.filter((n) => n.deadline > now);
            expect(wheel.elapsed).toBe(now);
          }
          wheel.check();
          const earliest = Math.min(...filed.map((n) => n.deadline));
          expect(wheel.nextDeadline()).toBe(earliest);
          expect(wheel.isEmpty).toBe(filed.length === 0);
          if (filed.length > 0) {
            expect(wheel.nextExpiration()).toBeGreaterThan(wheel.elapsed);
            expect(wheel.nextExpiration()).toBeLessThanOrEqual(earliest);
          }
        }
        wheel.clear();
        wheel.check();
        expect(wheel.isEmpty).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("sleeps beyond the wheel's range (over a year) do not hold back nearer ones on the top level", async () => {
    const day = 24 * 3600 * 1000;
    const woke = await runTest(function* () {
      const log: [string, number][] = [];
      const sleeper = (name: string, ms: number) =>
        spawn(function* () {
          yield* sleep(ms);
          log.push([name, now()]);
        });
      const far = sleeper("410 days", 410 * day);
      const near = sleeper("25 days", 25 * day);
      yield* near;
      yield* far;
      return log;
    });
    expect(woke).toEqual([
      ["25 days", 25 * day],
      ["410 days", 410 * day],
    ]);
  });

  it("check() reports a broken invariant", () => {
    const wheel = new TimerWheel();
    const node = new Node(0, 100);
    node.when = 100;
    wheel.insert(node);
    wheel.check();
    node.when = 5; // a deadline rewritten behind the wheel's back: now in the wrong slot
    expect(() => wheel.check()).toThrow(/wrong slot/);
  });

  it("a property: random sleeps and cancels on a runtime, stepped one step at a time", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ms: distance.map((d) => Math.max(1, d)), cancelAfter: fc.nat(30) }), {
          minLength: 1,
          maxLength: 25,
        }),
        (sleeps) => {
          const rt = new Runtime({ virtualTime: true });
          const woke: { i: number; at: number }[] = [];
          const tasks = sleeps.map(({ ms }, i) =>
            rt.spawn(function* () {
              yield* sleep(ms);
              woke.push({ i, at: rt.now() });
            }),
          );
          let steps = 0;
          const cancelled = new Set<number>();
          for (;;) {
            sleeps.forEach(({ cancelAfter }, i) => {
              if (cancelAfter === steps && cancelAfter % 3 === 0) {
                (tasks[i] as { cancel(): void }).cancel();
                cancelled.add(i);
              }
            });
            const ran = rt.step();
            rt._checkTimers();
            steps++;
            if (ran) continue;
            // Nothing ready: move the clock to the next deadline, as an idle runtime would.
            const next = rt._nextTimerDeadline();
            if (next === Number.POSITIVE_INFINITY) break;
            rt._advanceClock(next - rt.now());
            rt._checkTimers();
          }
          const expected = sleeps
            .map(({ ms }, i) => ({ i, at: ms }))
            .filter(({ i }) => !cancelled.has(i) || woke.some((w) => w.i === i))
            .sort((a, b) => a.at - b.at || a.i - b.i);
          expect(woke).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
