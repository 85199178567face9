// runtime.tasks() and runtime.dump(): the registry and the await tree of a known program.
import {
  type Coroutine,
  call,
  interval,
  Runtime,
  sleep,
  sleepUntil,
  spawn,
  type Task,
  type TaskInfo,
  yieldNow,
} from "corio";
import { PENDING, pollFn, type Waker } from "corio/lowlevel";
import { formatTaskTable, formatTaskTree } from "corio/trace";
import { describe, expect, it } from "vitest";

/** A hand-made future that some task completes: `open()` wakes the waiter. */
function gate(label: string) {
  let isOpen = false;
  let waker: Waker | null = null;
  return {
    wait: () =>
      pollFn<void>(
        (cx) => {
          if (isOpen) return undefined;
          waker = cx.waker;
          return PENDING;
        },
        () => {
          waker = null;
        },
        label,
      ),
    open() {
      isOpen = true;
      waker?.wake();
    },
  };
}

/**
 * The known program: at t = 100 ms (virtual), main waits on a join of
 * "worker", which sleeps and has a child sleeping until t = 1000; "gatekeeper"
 * waits on a gate; "closer" has ended and waits
 * for its child. `inspect` runs at t = 100 in a task of its own.
 */
function program(rt: Runtime, inspect: (rt: Runtime) => void): Promise<void> {
  const g = gate("gate #1");
  return rt.run(function* main(): Coroutine<void> {
    const worker = spawn(
      function* () {
        spawn(
          function* () {
            yield* sleepUntil(1000);
          },
          { name: "deadline" },
        );
        yield* sleep(250);
      },
      { name: "worker" },
    );
    spawn(
      function* () {
        yield* g.wait();
      },
      { name: "gatekeeper" },
    );
    spawn(
      function* () {
        // Cancelled when closer's body ends; its cleanup takes 400 ms.
        spawn(function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(400);
          }
        });
        yield* yieldNow(); // let it start (a task cancelled before its first step runs nothing)
      },
      { name: "closer" },
    );
    spawn(
      function* () {
        yield* sleep(100);
        inspect(rt);
        g.open();
      },
      { name: "inspector" },
    );
    yield* worker;
  }) as Promise<void>;
}

describe("runtime.tasks()", () => {
  it("lists every live task with its parent, state and what it waits on", async () => {
    // (With statistics on, timers remember the duration asked for: "sleep 250 ms (...)".)
    const rt = new Runtime({ virtualTime: true, stats: true });
    let tasks: TaskInfo[] = [];
    await program(rt, (r) => {
      tasks = r.tasks();
    });
    const byName = new Map(tasks.map((t) => [t.name, t]));
    const id = (name: string) => byName.get(name)?.id;
    // Parents before children, in spawn order.
    expect(tasks.map((t) => t.name)).toEqual([
      expect.stringMatching(/^task#\d+$/), // main
      "worker",
      "deadline",
      "gatekeeper",
      "closer",
      expect.stringMatching(/^task#\d+$/), // closer's child
      "inspector",
    ]);
    const main = tasks[0] as TaskInfo;
    expect(main).toMatchObject({ parent: null, state: "waiting", waitingOn: "join worker" });
    expect(byName.get("worker")).toMatchObject({
      parent: main.id,
      state: "waiting",
      waitingOn: "sleep 250 ms (150 ms left)",
    });
    expect(byName.get("deadline")).toMatchObject({
      parent: id("worker"),
      waitingOn: "sleep until 1000 ms (900 ms left)",
    });
    expect(byName.get("gatekeeper")?.waitingOn).toBe("gate #1");
    expect(byName.get("closer")).toMatchObject({
      state: "waiting",
      waitingOn: "its children to finish",
    });
    expect(tasks[5]).toMatchObject({
      parent: id("closer"),
      state: "cancelling",
      waitingOn: "sleep 400 ms (300 ms left)",
    });
    expect(byName.get("inspector")).toMatchObject({ state: "running", waitingOn: null });
  });

  it("is plain JSON-serialisable data, with statistics and spawn sites null by default", async () => {
    const rt = new Runtime({ virtualTime: true });
    let tasks: TaskInfo[] = [];
    await program(rt, (r) => {
      tasks = r.tasks();
    });
    expect(JSON.parse(JSON.stringify(tasks))).toEqual(tasks);
    for (const t of tasks) {
      expect(Object.keys(t).sort()).toEqual(
        [
          "busyMs",
          "id",
          "idleMs",
          "name",
          "parent",
          "polls",
          "sinceWakeMs",
          "spawnedAt",
          "state",
          "waitingOn",
        ].sort(),
      );
      expect(t).toMatchObject({
        spawnedAt: null,
        polls: null,
        busyMs: null,
        idleMs: null,
        sinceWakeMs: null,
      });
    }
    // No hooks at all: every instrumented point is one branch.
    expect((rt as unknown as { _hooks: unknown })._hooks).toBeNull();
  });

  it("CORIO_STATS=1 turns statistics on with no option; an explicit stats: false wins", async () => {
    const saved = process.env.CORIO_STATS;
    process.env.CORIO_STATS = "1";
    try {
      const rt = new Runtime({ virtualTime: true });
      let tasks: TaskInfo[] = [];
      await program(rt, (r) => {
        tasks = r.tasks();
      });
      expect(tasks.length).toBeGreaterThan(0);
      for (const t of tasks) expect(t.polls).toBeGreaterThanOrEqual(0);
      expect((new Runtime({ stats: false }) as unknown as { _hooks: unknown })._hooks).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.CORIO_STATS;
      else process.env.CORIO_STATS = saved;
    }
  });

  it("with stats: polls, busy and idle time, time since the last wake", async () => {
    const rt = new Runtime({ virtualTime: true, stats: true });
    let tasks: TaskInfo[] = [];
    await rt.run(function* () {
      const busy = spawn(
        function* () {
          for (let i = 0; i < 3; i++) {
            const end = performance.now() + 5;
            while (performance.now() < end) {} // 5 ms of real work per step
            yield* yieldNow();
          }
          yield* sleep(1000);
        },
        { name: "busy" },
      );
      yield* sleep(10);
      tasks = rt.tasks();
      busy.cancel();
    });
    const busy = tasks.find((t) => t.name === "busy") as TaskInfo;
    expect(busy.polls).toBe(4);
    expect(busy.busyMs).toBeGreaterThanOrEqual(15);
    expect(busy.idleMs).toBeGreaterThanOrEqual(0);
    expect(busy.sinceWakeMs).toBeGreaterThanOrEqual(0);
    expect(busy.spawnedAt).toBeNull(); // debug mode only
    const main = tasks[0] as TaskInfo;
    expect(main.state).toBe("running");
    expect(main.polls).toBe(2);
  });

  it("in debug mode: where each task was spawned", async () => {
    const rt = new Runtime({ virtualTime: true, debug: { onWarning: () => {} } });
    let tasks: TaskInfo[] = [];
    await rt.run(function* () {
      spawn(function* () {
        yield* sleep(10);
      }); // the line below this one's number is checked
      tasks = rt.tasks();
    });
    const child = tasks[1] as TaskInfo;
    expect(child.spawnedAt).toMatch(/^test\/trace-tasks\.test\.ts:\d+:\d+$/);
    const line = Number((child.spawnedAt as string).split(":")[1]);
    const self = new Error().stack?.match(/trace-tasks\.test\.ts:(\d+)/)?.[1];
    expect(line).toBeLessThan(Number(self));
    expect(child.polls).toBe(0);
  });

  it("describes intervals, cancelling tasks and the states of a task's life", async () => {
    const rt = new Runtime({ virtualTime: true, stats: true });
    const seen: Record<string, string | null> = {};
    const states: string[] = [];
    await rt
      .run(function* () {
        const ticker = spawn(
          function* () {
            const iv = interval(100);
            yield* iv.tick();
            yield* iv.tick();
          },
          { name: "ticker" },
        );
        const stubborn: Task<void> = spawn(
          function* () {
            try {
              yield* sleep(1000);
            } finally {
              yield* sleep(30); // asynchronous cleanup
            }
          },
          { name: "stubborn" },
        );
        states.push(stubborn.state); // scheduled
        yield* sleep(40);
        for (const t of rt.tasks()) seen[t.name] = t.waitingOn;
        stubborn.cancel();
        states.push(stubborn.state); // cancelling (requested)
        yield* sleep(10);
        const s = rt.tasks().find((t) => t.name === "stubborn") as TaskInfo;
        states.push(s.state, s.waitingOn as string);
        try {
          yield* stubborn;
        } catch {}
        ticker.cancel();
      })
      .catch(() => {});
    expect(seen.ticker).toBe("interval tick (every 100 ms, 60 ms left)");
    expect(seen.stubborn).toBe("sleep 1000 ms (960 ms left)");
    expect(states).toEqual(["scheduled", "cancelling", "cancelling", "sleep 30 ms (20 ms left)"]);
  });
});

describe("runtime.dump()", () => {
  it("draws the await tree, one line per task, like pstree", async () => {
    const rt = new Runtime({ virtualTime: true, stats: true });
    let dump = "";
    let tasks: TaskInfo[] = [];
    await program(rt, (r) => {
      dump = r.dump();
      tasks = r.tasks();
    });
    const main = (tasks[0] as TaskInfo).id;
    const anon = (tasks[5] as TaskInfo).id;
    const n = (name: string) => tasks.find((t) => t.name === name)?.id;
    expect(dump).toBe(
      [
        `task#${main} [waiting] join worker`,
        `├─ worker #${n("worker")} [waiting] sleep 250 ms (150 ms left)`,
        `│  └─ deadline #${n("deadline")} [waiting] sleep until 1000 ms (900 ms left)`,
        `├─ gatekeeper #${n("gatekeeper")} [waiting] gate #1`,
        `├─ closer #${n("closer")} [waiting] its children to finish`,
        `│  └─ task#${anon} [cancelling] sleep 400 ms (300 ms left)`,
        `└─ inspector #${n("inspector")} [running]`,
      ].join("\n"),
    );
    // formatTaskTree of a plain task list draws the same tree.
    expect(formatTaskTree(tasks)).toBe(dump);
  });

  it("escapes control characters, so each task stays one line and cannot drive a terminal", async () => {
    const rt = new Runtime({ virtualTime: true });
    let dump = "";
    let table = "";
    await rt.run(function* () {
      spawn(
        function* () {
          yield* sleep(5);
        },
        { name: "evil\n\u001b[31mred" },
      );
      yield* yieldNow();
      dump = rt.dump();
      table = formatTaskTable(rt.tasks());
    });
    expect(dump.split("\n")).toHaveLength(2);
    expect(dump).toContain("evil\\n\\x1b[31mred #");
    expect(table).not.toContain("\u001b");
    expect(table.split("\n")).toHaveLength(3);
  });

  it("a task waiting on a Promise (real time: a pending call() stops virtual time)", async () => {
    const rt = new Runtime();
    let line = "";
    await rt.run(function* () {
      let release: () => void = () => {};
      const caller = spawn(
        function* () {
          yield* call(new Promise<void>((r) => (release = r)));
        },
        { name: "caller" },
      );
      yield* yieldNow();
      line = rt.dump().split("\n")[1] as string;
      release();
      yield* caller;
    });
    expect(line).toMatch(/^└─ caller #\d+ \[waiting\] call \(a Promise\)$/);
  });

  it("is empty for a runtime without tasks", () => {
    expect(new Runtime().dump()).toBe("");
    expect(new Runtime().tasks()).toEqual([]);
  });
});

describe("formatTaskTable()", () => {
  it("prints the ps table; statistics columns only when the runtime keeps them", async () => {
    const plain = new Runtime({ virtualTime: true });
    let table = "";
    await program(plain, (r) => {
      table = formatTaskTable(r.tasks());
    });
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^ID {2}PARENT {2}STATE {7}NAME {8}WAITING ON$/);
    expect(lines).toHaveLength(8);
    expect(lines[2]).toMatch(/^ *\d+ +\d+ {2}waiting {5}worker {6}sleep 250 ms \(150 ms left\)$/);
    expect(lines[1]).toMatch(/^ *\d+ +- {2}waiting/);

    const withStats = new Runtime({ virtualTime: true, stats: true });
    await program(withStats, (r) => {
      table = formatTaskTable(r.tasks());
    });
    expect(table.split("\n")[0]).toMatch(
      /^ID {2}PARENT {2}STATE {7}POLLS {2}BUSY ms {2}IDLE ms {2}SINCE WAKE ms {2}NAME {8}WAITING ON$/,
    );
  });
});
