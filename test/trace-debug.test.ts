// Debug mode: each warning of docs/observability.md, and no warning for a clean program.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type Coroutine,
  call,
  channel,
  type DebugOptions,
  type DebugWarning,
  Runtime,
  race,
  run,
  sleep,
  spawn,
  type Task,
  yieldNow,
} from "corio";
import { pollFn } from "corio/lowlevel";
import { describe, expect, it, vi } from "vitest";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const self = fileURLToPath(import.meta.url);
const program = fileURLToPath(new URL("./fixtures/trace-debug-program.ts", import.meta.url));

/** `test/trace-debug.test.ts:<line>`: the line of this file that holds `marker`. */
function site(marker: string): string {
  const lines = readFileSync(self, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(`// ${marker}`));
  if (i < 0) throw new Error(`no marker ${marker}`);
  return `test/trace-debug.test.ts:${i + 1}:`;
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

/** Runs `body` in debug mode; resolves with the warnings, once the end-of-run checks are done. */
async function warningsOf<T>(
  body: () => Coroutine<T>,
  options: DebugOptions = {},
): Promise<DebugWarning[]> {
  const warnings: DebugWarning[] = [];
  // Timing thresholds out of reach unless a test sets them (a loaded machine must not add warnings).
  const debug = { slowStepMs: 10_000, starvationMs: 10_000, ...options };
  await run(body, { debug: { ...debug, onWarning: (w) => warnings.push(w) } }).catch(() => {});
  // The handle check runs two turns after the run, and looks again for up to 150 ms if needed.
  await new Promise((r) => setTimeout(r, 300));
  return warnings;
}

describe("debug mode", () => {
  it("warns of a step that blocks the loop: the task, its spawn site, where it resumed and suspended", async () => {
    const warnings = await warningsOf(
      function* () {
        yield* spawn(
          function* () {
            yield* sleep(1); // resume-site
            busy(400);
            yield* sleep(1); // next-site
          },
          { name: "hog" },
        ); // spawn-site
      },
      // Far above what a loaded machine adds to a trivial step, far below the hog's.
      { slowStepMs: 200 },
    );
    const slow = warnings.filter((w) => w.kind === "slow-step");
    expect(slow).toHaveLength(1);
    const w = slow[0] as DebugWarning;
    expect(w.task?.name).toBe("hog");
    expect(w.at).toContain(site("resume-site"));
    expect(w.message).toMatch(
      /task "hog" #\d+ \(spawned at test\/trace-debug\.test\.ts:\d+:\d+\) blocked the event loop for \d+ ms in one step \(threshold 200 ms\)/,
    );
    expect(w.message).toContain(`resumed at ${site("resume-site")}`);
    expect(w.message).toContain("(after sleep 1 ms)");
    expect(w.message).toContain(`suspended next at ${site("next-site")}`);
    // Nothing else (a machine stall by itself may add a starvation warning naming no task).
    expect(warnings.filter((x) => x.kind !== "slow-step" && x.task !== null)).toEqual([]);
  });

  it("warns of a finally that swallowed a cancellation", async () => {
    let joined: unknown;
    const warnings = await warningsOf(function* () {
      const t = spawn(
        function* () {
          try {
            yield* sleep(1000);
          } finally {
            return 42;
          }
        },
        { name: "swallower" },
      );
      yield* sleep(1);
      t.cancel();
      try {
        yield* t;
      } catch (error) {
        joined = error;
      }
    });
    expect((joined as Error).name).toBe("CancelledError"); // it still counts as cancelled
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: "cancel-swallowed", task: { name: "swallower" } });
    expect(warnings[0]?.message).toContain("ended by returning 42 instead of unwinding");
  });

  it("warns of a frame that carried on after an inner frame's asynchronous cleanup", async () => {
    function* inner(): Coroutine<void> {
      try {
        yield* sleep(1000);
      } finally {
        yield* sleep(5); // asynchronous cleanup
      }
    }
    const warnings = await warningsOf(function* () {
      const t = spawn(
        function* () {
          yield* inner(); // returns normally after the cleanup...
          return "resurrected"; // ...and the body carries on
        },
        { name: "phoenix" },
      );
      yield* sleep(1);
      t.cancel();
      yield* sleep(20);
    });
    expect(warnings.map((w) => w.kind)).toEqual(["cancel-swallowed"]);
    expect(warnings[0]?.message).toContain('returning "resurrected"');
  });

  it("warns of cleanup that does not end", async () => {
    const warnings = await warningsOf(
      function* () {
        const t = spawn(
          function* () {
            try {
              yield* sleep(1000);
            } finally {
              for (let i = 0; i < 8; i++) yield* sleep(10); // cleanup-loop
            }
          },
          { name: "stubborn" },
        );
        yield* sleep(1);
        t.cancel();
        try {
          yield* t;
        } catch {}
      },
      { stuckCancelMs: 30 },
    );
    expect(warnings.map((w) => w.kind)).toEqual(["cancel-stuck"]);
    expect(warnings[0]?.task?.name).toBe("stubborn");
    expect(warnings[0]?.message).toContain(`now at ${site("cleanup-loop")}`);
  });

  it("a task spinning on promises that settle at once does not starve Node's loop: no warning", async () => {
    // The runtime's slice spans its re-entries from microtasks, so Node gets
    // a turn every few ms even here (this was a kernel bug debug mode caught).
    // The spinner spins until Node's timers have ticked five times: if they
    // were starved it would spin forever (the test's timeout), however slow
    // the machine; no stopwatch involved.
    let ticks = 0;
    let spins = 0;
    const ticker = setInterval(() => ticks++, 10);
    const warnings = await warningsOf(
      function* () {
        yield* spawn(
          function* () {
            while (ticks < 5) {
              yield* call(Promise.resolve(1));
              spins++;
            }
          },
          { name: "spinner" },
        );
      },
      { starvationMs: 100 },
    );
    clearInterval(ticker);
    // None blames the spinner. (A loaded machine may stall Node by itself: that
    // warning names no task, "outside corio's task steps", and is not the point.)
    expect(warnings.filter((w) => w.kind === "starvation" && w.task !== null)).toEqual([]);
    expect(ticks).toBeGreaterThanOrEqual(5); // Node's timers kept running...
    expect(spins).toBeGreaterThan(5); // ...while the spinner spun on settled promises
  });

  it("warns when many short steps together starve Node's loop, naming the busiest task", async () => {
    // Each step is under the slow-step threshold, but the executor reads the clock
    // only every 64 steps (as Tokio polls its driver every 61 ticks): 40 steps of
    // 12 and 2 ms keep Node's timers waiting for 280 ms. Heavy does 6× light's
    // work, so a loaded machine stretching some steps does not change the answer.
    const warnings = await warningsOf(
      function* () {
        const worker = (ms: number) =>
          function* () {
            for (let i = 0; i < 20; i++) {
              busy(ms);
              yield* yieldNow();
            }
          };
        const a = spawn(worker(12), { name: "heavy" });
        const b = spawn(worker(2), { name: "light" });
        yield* a;
        yield* b;
      },
      { starvationMs: 150, slowStepMs: 1000 },
    );
    // Stalls of a loaded machine by itself name no task; this warning names one.
    const starvation = warnings.filter((w) => w.kind === "starvation" && w.task !== null);
    expect(starvation).toHaveLength(1);
    expect(starvation[0]?.task?.name).toBe("heavy");
    expect(starvation[0]?.message).toMatch(
      /Node's event loop has had no turn for \d+ ms \(threshold 150 ms\).* \d+ task\(s\) ran \d+ ms meanwhile, most of it task "heavy"/,
    );
  });

  it("reports tasks still alive at the end of a run", async () => {
    // A deadlocked run whose cleanup deadlocks too: the stuck tasks outlive the run.
    const warnings = await warningsOf(function* () {
      const [, rx] = channel<number>(1);
      yield* spawn(
        function* () {
          try {
            yield* rx.recv();
          } finally {
            yield* rx.recv(); // still nobody to send
          }
        },
        { name: "stuck" },
      );
    });
    const leak = warnings.find((w) => w.kind === "leak" && /task\(s\) still alive/.test(w.message));
    expect(leak?.message).toMatch(/the run ended with \d+ task\(s\) still alive:\n/);
    expect(leak?.message).toMatch(/stuck #\d+ \[(waiting|cancelling)\] recv on channel#\d+/);
  });

  it("warns when code outside the tasks blocks Node's event loop during a run", async () => {
    const warnings = await warningsOf(
      function* () {
        yield* call(
          new Promise<void>((resolve) =>
            setTimeout(() => {
              busy(250);
              resolve();
            }, 5),
          ),
        );
        yield* sleep(120); // the heartbeat gets its turn
      },
      { starvationMs: 150 },
    );
    expect(warnings.map((w) => w.kind)).toEqual(["starvation"]);
    expect(warnings[0]?.task).toBeNull();
    expect(warnings[0]?.message).toContain("outside corio's task steps");
  });

  it("reports Node handles the run's tasks left open, naming the task", async () => {
    let interval: ReturnType<typeof setInterval> | undefined;
    const server = createServer();
    try {
      const warnings = await warningsOf(function* () {
        yield* spawn(
          function* () {
            interval = setInterval(() => {}, 1000);
            server.listen(0, "127.0.0.1");
            const closed = setTimeout(() => {}, 1000); // cleared: not a leak
            clearTimeout(closed);
            yield* sleep(1);
          },
          { name: "opener" },
        );
      });
      expect(warnings.map((w) => w.kind)).toEqual(["leak"]);
      const m = warnings[0]?.message as string;
      expect(m).toMatch(/1 × Timeout \(opened by task "opener" #\d+\)/);
      expect(m).toMatch(/1 × TCPSERVERWRAP \(opened by task "opener" #\d+\)/);
    } finally {
      clearInterval(interval);
      server.close();
    }
  });

  it("reports timers left filed by a future dropped without cancel()", async () => {
    const warnings = await warningsOf(function* () {
      const inner = sleep(1000);
      // A careless wrapper: polls a timer but has no cancel() to unfile it.
      const careless = pollFn<void>((cx) => inner.poll(cx));
      yield* race([careless, sleep(5)]);
    });
    expect(warnings.map((w) => w.kind)).toEqual(["leak"]);
    expect(warnings[0]?.message).toContain("timers still filed");
  });

  it("says nothing about a clean program", async () => {
    const warnings = await warningsOf(function* () {
      const tasks: Task<number>[] = [];
      for (let i = 0; i < 5; i++) {
        tasks.push(
          spawn(function* () {
            yield* sleep(i);
            return yield* call(async () => i);
          }),
        );
      }
      let sum = 0;
      for (const t of tasks) sum += yield* t;
      const loser = spawn(function* () {
        try {
          yield* sleep(1000);
        } finally {
          yield* sleep(1); // asynchronous cleanup that unwinds properly
        }
      });
      yield* race([sleep(2), loser]);
      loser.cancel();
      return sum;
    });
    expect(warnings).toEqual([]);
  });

  it("a throwing onWarning does not break the run", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const value = await run(
        function* () {
          busy(30);
          yield* sleep(1);
          return "fine";
        },
        {
          debug: {
            slowStepMs: 10,
            onWarning: () => {
              throw new Error("sink failed");
            },
          },
        },
      );
      expect(value).toBe("fine");
      expect(error).toHaveBeenCalled();
    } finally {
      error.mockRestore();
    }
  });

  it("CORIO_DEBUG=1 turns it on for every runtime; an explicit debug: false wins", () => {
    const hooks = (rt: Runtime) => (rt as unknown as { _hooks: unknown })._hooks;
    const saved = process.env.CORIO_DEBUG;
    try {
      process.env.CORIO_DEBUG = "1";
      expect(hooks(new Runtime())).not.toBeNull();
      expect(hooks(new Runtime({ debug: false }))).toBeNull();
      process.env.CORIO_DEBUG = "0";
      expect(hooks(new Runtime())).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.CORIO_DEBUG;
      else process.env.CORIO_DEBUG = saved;
    }
  });

  it("rejects bad options at construction", () => {
    expect(() => new Runtime({ debug: { slowStepMs: -1 } })).toThrow(RangeError);
    expect(() => new Runtime({ debug: { onWarning: 1 as never } })).toThrow(TypeError);
    expect(() => new Runtime({ debug: "yes" as never })).toThrow(TypeError);
  });
});

describe("debug mode in a process of its own (garbage collection, the default sink)", () => {
  const runFixture = async (mode: string, env: Record<string, string> = {}) => {
    const { stdout, stderr } = await exec(
      process.execPath,
      ["--expose-gc", "--import", "tsx", program, mode],
      { cwd: root, env: { ...process.env, CORIO_DEBUG: "", ...env } },
    );
    return { stdout, warnings: stderr.split("\n").filter((l) => l.startsWith("corio: ")) };
  };

  it("warns of each operation created and never awaited, naming where it was created", async () => {
    const { stdout, warnings } = await runFixture("never-awaited");
    expect(stdout).toBe("end\n");
    expect(warnings.sort()).toEqual([
      "corio: call (a Promise) was created at test/fixtures/trace-debug-program.ts:22:7 but never awaited: an operation does nothing until a task waits on it (did you forget `yield*`?)",
      "corio: sleep 10 ms was created at test/fixtures/trace-debug-program.ts:21:7 but never awaited: an operation does nothing until a task waits on it (did you forget `yield*`?)",
    ]);
  });

  it("I/O operations never awaited are reported too (a write, a file read)", async () => {
    const { stdout, warnings } = await runFixture("never-awaited-io");
    expect(stdout).toBe("end\n");
    expect(warnings).toHaveLength(2);
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^corio: write tcp \S+ was created at test\/fixtures\/trace-debug-program\.ts:\d+:\d+ but never awaited/,
      ),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^corio: readFile \S+ was created at test\/fixtures\/trace-debug-program\.ts:\d+:\d+ but never awaited/,
      ),
    );
  });

  it("CORIO_DEBUG=1 with no option: warnings on stderr, futures created outside a runtime tracked too", async () => {
    const { stdout, warnings: all } = await runFixture("env", { CORIO_DEBUG: "1" });
    expect(stdout).toBe("end\n");
    // On a loaded machine any step can take over 100 ms of wall clock: only the hog's counts.
    const warnings = all.filter((w) => !/blocked the event loop/.test(w) || /task "hog"/.test(w));
    expect(warnings).toHaveLength(2);
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^corio: task "hog" #\d+ \(spawned at test\/fixtures\/trace-debug-program\.ts:39:\d+\) blocked the event loop for \d+ ms in one step \(threshold 100 ms\); it resumed at test\/fixtures\/trace-debug-program\.ts:41:\d+ \(after sleep 1 ms\); it suspended next at test\/fixtures\/trace-debug-program\.ts:44:\d+ \(sleep 1 ms\)/,
      ),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^corio: sleep 3 ms was created at test\/fixtures\/trace-debug-program\.ts:37:3 but never awaited/,
      ),
    );
  });

  it("without debug mode, nothing is tracked and nothing is said", async () => {
    const { stdout, warnings } = await runFixture("env");
    expect(stdout).toBe("end\n");
    expect(warnings).toEqual([]);
  });
});
