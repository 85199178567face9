// Trace recording and its Chrome Trace Event export (docs/observability.md, "Traces").
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Coroutine,
  Runtime,
  run,
  sleep,
  spawn,
  type TraceEvent,
  type TraceFile,
  yieldNow,
} from "corio";
import { PENDING, pollFn, type Waker } from "corio/lowlevel";
import { writeTrace } from "corio/trace";
import { describe, expect, it } from "vitest";

/**
 * Checks `trace` against the Chrome Trace Event format (JSON object form): the
 * fields each phase requires, with the types the viewers expect.
 */
function validate(trace: TraceFile): void {
  expect(Array.isArray(trace.traceEvents)).toBe(true);
  expect(trace.displayTimeUnit).toBe("ms");
  expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  for (const e of trace.traceEvents) {
    const where = JSON.stringify(e);
    expect(typeof e.name, where).toBe("string");
    expect(Number.isInteger(e.pid), where).toBe(true);
    expect(Number.isInteger(e.tid), where).toBe(true);
    if (e.args !== undefined) expect(typeof e.args, where).toBe("object");
    if (e.ph === "M") {
      expect(["process_name", "thread_name", "thread_sort_index"], where).toContain(e.name);
      expect(e.args, where).toBeDefined();
      continue;
    }
    expect(typeof e.ts === "number" && Number.isFinite(e.ts) && e.ts >= 0, where).toBe(true);
    expect(typeof e.cat, where).toBe("string");
    switch (e.ph) {
      case "X":
        expect(typeof e.dur === "number" && Number.isFinite(e.dur) && e.dur >= 0, where).toBe(true);
        break;
      case "i":
        expect(["t", "p", "g"], where).toContain(e.s);
        break;
      case "s":
        expect(Number.isInteger(e.id), where).toBe(true);
        break;
      case "f":
        expect(Number.isInteger(e.id), where).toBe(true);
        expect(e.bp, where).toBe("e");
        break;
      default:
        throw new Error(`unexpected phase in ${where}`);
    }
  }
}

const slices = (trace: TraceFile, tid: number) =>
  trace.traceEvents.filter((e) => e.ph === "X" && e.tid === tid);
const encloses = (x: TraceEvent, ts: number) =>
  (x.ts as number) <= ts && ts <= (x.ts as number) + (x.dur as number);

/** Checks the conventions the timeline page relies on. */
function checkStructure(trace: TraceFile): void {
  const events = trace.traceEvents;
  const names = new Map(
    events.filter((e) => e.name === "thread_name").map((e) => [e.tid, e.args?.name as string]),
  );
  const tids = new Set(events.filter((e) => e.ph !== "M").map((e) => e.tid));
  for (const tid of tids) {
    expect(names.has(tid), `task ${tid} has a thread_name`).toBe(true);
    // Begin and end: one spawn instant and one completion instant per task.
    const lifecycle = events.filter((e) => e.tid === tid && e.ph === "i");
    expect(lifecycle.map((e) => e.name)).toEqual([
      "spawn",
      expect.stringMatching(/^(done|failed|cancelled)$/),
    ]);
    const [spawned, ended] = lifecycle as [TraceEvent, TraceEvent];
    // Steps and waits of a task never overlap, and lie within its life.
    const xs = slices(trace, tid).sort((a, b) => (a.ts as number) - (b.ts as number));
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as TraceEvent;
      expect(x.ts as number).toBeGreaterThanOrEqual(spawned.ts as number);
      expect(x.ts as number).toBeLessThanOrEqual(ended.ts as number);
      if (i > 0) {
        const prev = xs[i - 1] as TraceEvent;
        expect(x.ts as number).toBeGreaterThanOrEqual(
          (prev.ts as number) + (prev.dur as number) - 0.001,
        );
      }
    }
    expect(
      xs.some((x) => x.cat === "step"),
      `task ${tid} ran`,
    ).toBe(true);
  }
  // Flows pair up, bound to a slice at each end: the wake inside the waker's
  // slice, the end inside the woken task's step.
  const flows = new Map<number, TraceEvent[]>();
  for (const e of events) {
    if (e.ph === "s" || e.ph === "f")
      flows.set(e.id as number, [...(flows.get(e.id as number) ?? []), e]);
  }
  for (const [id, pair] of flows) {
    expect(pair.map((e) => e.ph).sort(), `flow ${id}`).toEqual(["f", "s"]);
    const s = pair.find((e) => e.ph === "s") as TraceEvent;
    const f = pair.find((e) => e.ph === "f") as TraceEvent;
    expect(s.cat).toBe(f.cat);
    expect(["wake", "spawn"]).toContain(s.cat);
    expect(s.ts as number).toBeLessThanOrEqual(f.ts as number);
    expect(
      slices(trace, s.tid).some((x) => encloses(x, s.ts as number)),
      `flow ${id} start`,
    ).toBe(true);
    expect(
      slices(trace, f.tid).some((x) => x.cat === "step" && encloses(x, f.ts as number)),
      `flow ${id} end`,
    ).toBe(true);
  }
}

function gate() {
  let open = false;
  let waker: Waker | null = null;
  return {
    wait: () =>
      pollFn<void>(
        (cx) => {
          if (open) return undefined;
          waker = cx.waker;
          return PENDING;
        },
        () => {
          waker = null;
        },
        "gate",
      ),
    open() {
      open = true;
      waker?.wake();
    },
  };
}

/** A program with every kind of event: spawns, wakes by tasks and timers, a failure, a cancel, a task waiting for its children. */
function* program(): Coroutine<string> {
  const g = gate();
  const consumer = spawn(
    function* () {
      yield* g.wait();
    },
    { name: "consumer" },
  );
  spawn(
    function* () {
      yield* sleep(10);
      g.open();
    },
    { name: "producer" },
  );
  const failer = spawn(
    function* () {
      yield* sleep(5);
      throw new Error("boom");
    },
    { name: "failer" },
  );
  const victim = spawn(
    function* () {
      yield* sleep(1000);
    },
    { name: "victim" },
  );
  const closer = spawn(
    function* () {
      spawn(
        function* () {
          try {
            yield* sleep(1000);
          } finally {
            yield* sleep(20);
          }
        },
        { name: "slow-cleanup" },
      );
      yield* sleep(1);
    },
    { name: "closer" },
  );
  try {
    yield* failer;
  } catch {}
  victim.cancel("no longer needed");
  yield* consumer;
  yield* closer;
  return "ok";
}

describe("trace: true", () => {
  it("exports valid Chrome Trace Event JSON with a row per task, steps, waits, wakes and lifecycles", async () => {
    const rt = new Runtime({ virtualTime: true, trace: true });
    expect(await rt.run(program)).toBe("ok");
    const trace = rt.traceEvents();
    validate(trace);
    checkStructure(trace);

    const events = trace.traceEvents;
    const tidOf = (name: string) =>
      events.find((e) => e.name === "thread_name" && e.args?.name === name)?.tid as number;
    const main = events.find((e) => e.name === "spawn" && e.ph === "i" && e.args?.parent === null)
      ?.tid as number;
    expect(
      new Set(events.filter((e) => e.name === "thread_name").map((e) => e.args?.name)),
    ).toEqual(
      new Set([
        `task#${main}`,
        "consumer",
        "producer",
        "failer",
        "victim",
        "closer",
        "slow-cleanup",
      ]),
    );
    expect(events[0]).toMatchObject({ ph: "M", name: "process_name", pid: process.pid });

    // Waits are named after what the task waited on, and say who ended them.
    const waits = events.filter((e) => e.cat === "wait");
    expect(waits).toContainEqual(
      expect.objectContaining({
        tid: tidOf("consumer"),
        name: "gate",
        args: { wokenBy: tidOf("producer") },
      }),
    );
    expect(waits).toContainEqual(
      expect.objectContaining({
        tid: tidOf("producer"),
        name: "sleep 10 ms",
        args: { wokenBy: "timer" },
      }),
    );
    expect(waits).toContainEqual(
      expect.objectContaining({
        tid: tidOf("victim"),
        name: "sleep 1000 ms",
        args: { wokenBy: "cancel" },
      }),
    );
    expect(waits).toContainEqual(
      expect.objectContaining({
        tid: main,
        name: "join failer",
        args: { wokenBy: tidOf("failer") },
      }),
    );
    expect(waits).toContainEqual(
      expect.objectContaining({
        tid: tidOf("closer"),
        name: "its children to finish",
        args: { wokenBy: "children" },
      }),
    );
    // The producer's wake of the consumer is an arrow between their rows.
    const wake = events.find(
      (e) => e.ph === "s" && e.cat === "wake" && e.tid === tidOf("producer"),
    );
    expect(wake).toBeDefined();
    expect(events.find((e) => e.ph === "f" && e.id === wake?.id)?.tid).toBe(tidOf("consumer"));
    // So is each spawn inside a step.
    expect(events.filter((e) => e.ph === "s" && e.cat === "spawn")).toHaveLength(6);

    // How each task ended.
    const end = (name: string) =>
      events.find((e) => e.ph === "i" && e.tid === tidOf(name) && e.name !== "spawn");
    expect(end("failer")).toMatchObject({
      name: "failed",
      args: { state: "failed", error: "Error: boom" },
    });
    expect(end("victim")).toMatchObject({
      name: "cancelled",
      args: { state: "cancelled", reason: "no longer needed" },
    });
    expect(end("slow-cleanup")).toMatchObject({ name: "cancelled" });
    expect(end("consumer")).toMatchObject({ name: "done", args: { state: "done" } });
    // Steps are numbered per task.
    expect(
      slices(trace, tidOf("producer"))
        .filter((x) => x.cat === "step")
        .map((x) => x.args?.n),
    ).toEqual([1, 2]);
    expect(trace.otherData).toMatchObject({ producer: "corio", dropped: 0 });
  });

  it("a trace taken mid-run shows the waits still open", async () => {
    const rt = new Runtime({ virtualTime: true, trace: true });
    let mid: TraceFile | undefined;
    await rt.run(function* () {
      const sleeper = spawn(
        function* () {
          yield* sleep(100);
        },
        { name: "sleeper" },
      );
      yield* sleep(10);
      mid = rt.traceEvents();
      sleeper.cancel();
    });
    validate(mid as TraceFile);
    expect((mid as TraceFile).traceEvents).toContainEqual(
      expect.objectContaining({
        cat: "wait",
        name: "sleep 100 ms",
        args: { wokenBy: "still waiting" },
      }),
    );
  });

  it("keeps every event of a long run (records span several buffers)", async () => {
    const rt = new Runtime({ trace: true });
    await rt.run(function* () {
      for (let i = 0; i < 20_000; i++) yield* yieldNow();
    });
    const steps = rt.traceEvents().traceEvents.filter((e) => e.cat === "step");
    expect(steps).toHaveLength(20_001);
    expect(steps.map((e) => e.args?.n)).toEqual(Array.from({ length: 20_001 }, (_, i) => i + 1));
  });

  it("traceEvents() throws when the runtime does not trace", () => {
    expect(() => new Runtime().traceEvents()).toThrow(/create it with \{trace: true\}/);
  });
});

describe("writing traces", () => {
  const dir = mkdtempSync(join(tmpdir(), "corio-trace-test-"));

  it('run(body, {trace: "path"}) writes the file when the run ends', async () => {
    const path = join(dir, "ok.trace.json");
    expect(await run(program, { trace: path })).toBe("ok");
    const trace = JSON.parse(readFileSync(path, "utf8")) as TraceFile;
    validate(trace);
    checkStructure(trace);
  });

  it("…also when the run fails", async () => {
    const path = join(dir, "failed.trace.json");
    await expect(
      run(
        function* () {
          spawn(
            function* () {
              yield* sleep(1000);
            },
            { name: "bystander" },
          );
          yield* sleep(2);
          throw new Error("the body failed");
        },
        { trace: path },
      ),
    ).rejects.toThrow("the body failed");
    const trace = JSON.parse(readFileSync(path, "utf8")) as TraceFile;
    validate(trace);
    checkStructure(trace);
    expect(trace.traceEvents).toContainEqual(
      expect.objectContaining({
        name: "failed",
        args: { state: "failed", error: "Error: the body failed" },
      }),
    );
  });

  it("writeTrace(runtime, path) writes a runtime's trace", async () => {
    const path = join(dir, "written.trace.json");
    const rt = new Runtime({ trace: true });
    await rt.run(function* () {
      yield* sleep(1);
    });
    writeTrace(rt, path);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(rt.traceEvents());
    expect(() => writeTrace(new Runtime(), path)).toThrow(/does not trace/);
  });

  it("rejects a bad trace option at construction", () => {
    expect(() => new Runtime({ trace: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => new Runtime({ trace: "" })).toThrow(TypeError);
  });
});
