import { type Coroutine, Runtime, run, spawn, yieldNow } from "corio";
import { describe, expect, it } from "vitest";

describe("laziness and stepping", () => {
  it("creating a coroutine runs nothing", () => {
    const log: string[] = [];
    function* body(): Coroutine<void> {
      log.push("ran");
    }
    body();
    body();
    expect(log).toEqual([]);
  });

  it("a runtime runs nothing until step() or run()", async () => {
    const log: string[] = [];
    const rt = new Runtime();
    const task = rt.spawn(function* () {
      log.push("a");
    });
    expect(task.state).toBe("scheduled");
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual([]);
    expect(rt.step()).toBe(true);
    expect(log).toEqual(["a"]);
    expect(task.state).toBe("done");
    expect(rt.step()).toBe(false);
  });

  it("step() runs exactly one step of the next ready task, in FIFO order", () => {
    const log: string[] = [];
    const rt = new Runtime();
    for (const name of ["A", "B"]) {
      rt.spawn(function* () {
        for (let i = 1; i <= 3; i++) {
          log.push(`${name}${i}`);
          yield* yieldNow();
        }
      });
    }
    const trace: string[][] = [];
    while (rt.step()) trace.push([...log]);
    expect(log).toEqual(["A1", "B1", "A2", "B2", "A3", "B3"]);
    // Each step added at most one line: a coroutine does nothing unless resumed.
    expect(trace.map((l) => l.length)).toEqual([1, 2, 3, 4, 5, 6, 6, 6]);
  });

  it("spawn schedules the child; the parent runs on until it suspends", async () => {
    const log: string[] = [];
    await run(function* () {
      const child = spawn(function* () {
        log.push("child");
      });
      log.push("parent before yield");
      expect(child.state).toBe("scheduled");
      yield* yieldNow();
      log.push("parent after yield");
    });
    expect(log).toEqual(["parent before yield", "child", "parent after yield"]);
  });

  it("three counting coroutines interleave", async () => {
    const out: string[] = [];
    await run(function* () {
      function* count(): Coroutine<void> {
        out.push("One");
        yield* yieldNow();
        out.push("Two");
      }
      const tasks = [spawn(count), spawn(count), spawn(count)];
      for (const t of tasks) yield* t;
    });
    expect(out.join(" ")).toBe("One One One Two Two Two");
  });

  it("a task is its own result once complete (joined after completion)", async () => {
    const value = await run(function* () {
      const t = spawn(function* () {
        return 7;
      });
      yield* yieldNow();
      yield* yieldNow();
      expect(t.state).toBe("done");
      return (yield* t) + (yield* t);
    });
    expect(value).toBe(14);
  });
});
