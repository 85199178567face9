import { type Coroutine, Runtime, run, sleep, spawn, taskGroup, yieldNow } from "corio";
import { ready } from "corio/lowlevel";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("batches", () => {
  it("tasks made ready during a batch run in the next batch", async () => {
    const log: string[] = [];
    await run(function* () {
      yield* taskGroup(function* (group) {
        group.spawn(function* () {
          log.push("a1");
          group.spawn(function* () {
            log.push("c1"); // made ready during batch 1: runs in batch 2, after b1
          });
          yield* yieldNow();
          log.push("a2");
        });
        group.spawn(function* () {
          log.push("b1");
          yield* yieldNow();
          log.push("b2");
        });
      });
    });
    expect(log).toEqual(["a1", "b1", "c1", "a2", "b2"]);
  });

  it("yieldNow() and sleep(0) both go to the back of the queue", async () => {
    const log: string[] = [];
    await run(function* () {
      const a = spawn(function* () {
        log.push("a1");
        yield* sleep(0);
        log.push("a2");
      });
      const b = spawn(function* () {
        log.push("b1");
        yield* yieldNow();
        log.push("b2");
      });
      yield* a;
      yield* b;
    });
    expect(log).toEqual(["a1", "b1", "a2", "b2"]);
  });

  it("a task that only meets ready futures still lets others run (cooperative budget)", async () => {
    // The budget is 128 ready futures per step (Tokio's coop budget): after
    // exactly 128 the task goes to the back of the queue and the other runs.
    const BUDGET = 128;
    const seen: number[] = [];
    let polls = 0;
    let done = false;
    await run(function* () {
      const observer = spawn(function* () {
        while (!done) {
          seen.push(polls); // how many ready futures the busy task consumed before this step
          yield* yieldNow();
        }
      });
      // 1,000 ready futures in a row never suspend on their own, yet the
      // budget sends this task to the back of the queue.
      for (let i = 0; i < 1000; i++) {
        yield* ready(i);
        polls++;
      }
      done = true;
      yield* observer;
    });
    expect(polls).toBe(1000);
    // The 128th ready future spends the budget: its value is delivered in the
    // task's next step, so the observer sees 127, 255, ... completed yields.
    const expected = Array.from(
      { length: Math.floor(1000 / BUDGET) },
      (_, i) => (i + 1) * BUDGET - 1,
    );
    expect(seen).toEqual(expected);
  });
});

describe("seeded scheduling", () => {
  function* scenario(log: string[]): Coroutine<void> {
    const tasks = ["a", "b", "c", "d", "e"].map((name) =>
      spawn(function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`${name}${i}`);
          yield* yieldNow();
        }
      }),
    );
    for (const t of tasks) yield* t;
  }

  it("the same seed replays the same interleaving; other seeds explore others", async () => {
    const orders = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const first: string[] = [];
      const second: string[] = [];
      await runTest(() => scenario(first), { seed });
      await runTest(() => scenario(second), { seed });
      expect(second).toEqual(first);
      orders.add(first.join(","));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it("without a seed, batches run in FIFO order", async () => {
    const log: string[] = [];
    await runTest(() => scenario(log));
    expect(log.slice(0, 5)).toEqual(["a0", "b0", "c0", "d0", "e0"]);
  });

  it("a seeded batch still only contains tasks that were ready when it started", async () => {
    for (let seed = 0; seed < 20; seed++) {
      const log: string[] = [];
      await runTest(
        () =>
          taskGroup(function* (group) {
            group.spawn(function* () {
              log.push("x");
              group.spawn(function* () {
                log.push("late");
              });
            });
            group.spawn(function* () {
              log.push("y");
            });
          }),
        { seed },
      );
      expect(log.indexOf("late")).toBe(2);
    }
  });
});

describe("Node's event loop is never starved", () => {
  it("Node timers and immediates fire while tasks keep yielding", async () => {
    let timerFired = false;
    let immediateFired = false;
    let switches = 0;
    setTimeout(() => {
      timerFired = true;
    }, 5);
    setImmediate(() => {
      immediateFired = true;
    });
    await run(function* () {
      const spinners = [1, 2].map(() =>
        spawn(function* () {
          while (!timerFired) {
            switches++;
            yield* yieldNow();
          }
        }),
      );
      for (const s of spinners) yield* s;
    });
    expect(timerFired).toBe(true);
    expect(immediateFired).toBe(true);
    expect(switches).toBeGreaterThan(0);
  });

  it("I/O callbacks run while tasks keep yielding", async () => {
    const { createServer, connect } = await import("node:net");
    const server = createServer((s) => s.end("hi"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    let received = "";
    const socket = connect(port, "127.0.0.1");
    socket.on("data", (d) => {
      received += d.toString();
    });
    await run(function* () {
      while (received !== "hi") yield* yieldNow();
    });
    socket.destroy();
    server.close();
    expect(received).toBe("hi");
  });
});

describe("several runtimes at once", () => {
  it("two runs interleave in one process", async () => {
    const log: string[] = [];
    const make = (name: string) =>
      run(function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`${name}${i}`);
          yield* sleep(2);
        }
        return name;
      });
    const results = await Promise.all([make("a"), make("b")]);
    expect(results).toEqual(["a", "b"]);
    expect(log).toHaveLength(6);
    expect(log.filter((l) => l.startsWith("a"))).toEqual(["a0", "a1", "a2"]);
  });

  it("a runtime can be stepped from inside another runtime's task", async () => {
    const inner = new Runtime();
    const log: string[] = [];
    inner.spawn(function* () {
      log.push("inner");
    });
    await run(function* () {
      log.push("outer");
      expect(inner.step()).toBe(true);
      yield* yieldNow();
      log.push("outer again");
    });
    expect(log).toEqual(["outer", "inner", "outer again"]);
  });
});

describe("Node's event loop is never starved by promise-driven tasks", () => {
  it("a task looping on resolved promises (woken from microtasks) still lets Node's timers run", async () => {
    const { call } = await import("corio");
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks++;
    }, 1);
    await run(function* () {
      while (ticks < 5) yield* call(Promise.resolve());
    });
    clearInterval(ticker);
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});
