import { type Coroutine, run, sleep, spawn, type Task, yieldNow } from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("scale", () => {
  it("100,000 tasks each yielding once, all joined", async () => {
    let finished = 0;
    function* child(): Coroutine<number> {
      yield* yieldNow();
      finished++;
      return 1;
    }
    const total = await run(function* () {
      const tasks: Task<number>[] = [];
      for (let i = 0; i < 100_000; i++) tasks.push(spawn(child));
      let sum = 0;
      for (const t of tasks) sum += yield* t;
      return sum;
    });
    expect(total).toBe(100_000);
    expect(finished).toBe(100_000);
  });

  it("100,000 sleeping tasks wake in deadline order under virtual time", async () => {
    const woke: number[] = [];
    await runTest(function* () {
      const tasks: Task<void>[] = [];
      for (let i = 0; i < 100_000; i++) {
        const ms = (i * 7919) % 500;
        tasks.push(
          spawn(function* () {
            yield* sleep(ms);
            woke.push(ms);
          }),
        );
      }
      for (const t of tasks) yield* t;
    });
    expect(woke).toHaveLength(100_000);
    for (let i = 1; i < woke.length; i++)
      expect(woke[i - 1] as number).toBeLessThanOrEqual(woke[i] as number);
  });

  it("a deep chain of 10,000 nested tasks completes and unwinds", async () => {
    function* nest(depth: number): Coroutine<number> {
      if (depth === 0) return 0;
      return 1 + (yield* spawn(() => nest(depth - 1)));
    }
    expect(await run(() => nest(10_000))).toBe(10_000);
  });
});
