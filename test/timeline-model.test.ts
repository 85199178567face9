/** Reading a trace into rows, spans and wakes; the terminal timeline; colour decisions. */
import { readFileSync } from "node:fs";
import { Runtime, sleep, spawn } from "corio";
import { afterEach, describe, expect, it } from "vitest";
import { buildTimeline, formatDuration, parseTraceText } from "../src/timeline/model.ts";
import { renderTerminalTimeline, useColor } from "../src/timeline/terminal.ts";

describe("buildTimeline", () => {
  it("reads a recorded trace: rows in tree order, steps and waits, wakes, outcomes", async () => {
    const rt = new Runtime({ trace: true });
    rt.spawn(
      function* () {
        const child = spawn(
          function* () {
            yield* sleep(20);
          },
          { name: "child" },
        );
        const failing = spawn(
          function* () {
            yield* sleep(5);
            throw new Error("no");
          },
          { name: "failing" },
        );
        try {
          yield* failing;
        } catch {}
        yield* child;
      },
      { name: "main" },
    );
    await rt.run();
    const tl = buildTimeline(rt.traceEvents());
    expect(tl.rows.map((r) => [r.name, r.depth])).toEqual([
      ["main", 0],
      ["child", 1],
      ["failing", 1],
    ]);
    const [main, child, failing] = tl.rows;
    expect(main!.outcome).toBe("done");
    expect(failing!.outcome).toBe("failed");
    expect(child!.steps).toBe(2);
    const wait = child!.spans.find((s) => s.kind === "wait");
    expect(wait?.label).toMatch(/^sleep 20 ms/);
    expect(wait!.end - wait!.start).toBeGreaterThanOrEqual(15_000);
    expect(main!.spans.map((s) => s.label)).toContain("join failing");
    // The child's completion woke main, which had joined it.
    expect(tl.wakes.some((w) => w.from === child!.index && w.to === main!.index)).toBe(true);
    expect(tl.spawns.filter((w) => w.from === main!.index)).toHaveLength(2);
    for (const r of tl.rows) {
      for (const s of r.spans) expect(s.end).toBeGreaterThanOrEqual(s.start);
      expect(r.last).toBeLessThanOrEqual(tl.duration);
    }
  });

  it("accepts the bare-array form and B/E pairs, and skips what it does not know", () => {
    const tl = buildTimeline([
      { ph: "B", name: "step", pid: 7, tid: 1, ts: 100 },
      { ph: "E", pid: 7, tid: 1, ts: 150 },
      { ph: "C", name: "counter", pid: 7, ts: 120, args: { v: 1 } },
      { ph: "i", name: "cancel", pid: 7, tid: 1, ts: 160 },
    ]);
    expect(tl.rows).toHaveLength(1);
    expect(tl.rows[0]!.name).toBe("task#1");
    expect(tl.rows[0]!.spans).toEqual([
      { kind: "step", start: 0, end: 50, label: "step", args: null },
    ]);
    expect(tl.rows[0]!.outcome).toBe("cancelled");
    expect(tl.duration).toBe(60);
  });

  it("parseTraceText says what is wrong with a file", () => {
    expect(() => parseTraceText("nope")).toThrow(/not a JSON file/);
    expect(() => parseTraceText("{}")).toThrow(/not a Chrome trace/);
    expect(parseTraceText("[]")).toEqual([]);
  });

  it("formats durations given in µs", () => {
    expect(formatDuration(0)).toBe("0 µs");
    expect(formatDuration(12.345)).toBe("12.3 µs");
    expect(formatDuration(1500)).toBe("1.5 ms");
    expect(formatDuration(250_000)).toBe("250 ms");
    expect(formatDuration(3_000_000)).toBe("3 s");
  });
});

describe("terminal timeline", () => {
  const sample = parseTraceText(
    readFileSync(new URL("./fixtures/sample.trace.json", import.meta.url), "utf8"),
  );
  const tl = buildTimeline(sample);

  it("draws one row per task, plain", () => {
    const text = renderTerminalTimeline(tl, { width: 50 });
    const rows = text.split("\n").filter((l) => l.includes("│"));
    expect(rows).toHaveLength(tl.rows.length);
    for (const r of tl.rows) expect(text).toContain(r.name);
    for (const row of rows) expect(row.split("│")[1]).toHaveLength(50);
    expect(text).toMatch(/█/);
    expect(text).toMatch(/─/);
    expect(text).toMatch(/ failed/);
    expect(text).toMatch(/ cancelled/);
    expect(text.includes("\x1b[")).toBe(false);
  });

  it("colours only when asked", () => {
    const text = renderTerminalTimeline(tl, { width: 50, color: true });
    const ESC = "\x1b";
    expect(text).toMatch(new RegExp(`${ESC}\\[32m█+${ESC}\\[0m`));
    // Without the escapes it is the plain drawing.
    expect(text.replace(new RegExp(`${ESC}\\[\\d+m`, "g"), "")).toBe(
      renderTerminalTimeline(tl, { width: 50 }),
    );
  });

  it("a fixed duration puts two runs on one scale", () => {
    const full = renderTerminalTimeline(tl, { width: 40, legend: false });
    const half = renderTerminalTimeline(tl, {
      width: 40,
      legend: false,
      duration: tl.duration * 2,
    });
    const used = (text: string): number =>
      Math.max(...text.split("\n").map((l) => (l.split("│")[1] ?? "").trimEnd().length));
    expect(used(full)).toBe(40);
    expect(used(half)).toBeLessThanOrEqual(21);
  });
});

describe("useColor", () => {
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const tty = { isTTY: true, hasColors: () => true } as unknown as NodeJS.WriteStream;
  const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;

  it("follows the terminal, NO_COLOR and FORCE_COLOR", () => {
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    expect(useColor(tty)).toBe(true);
    expect(useColor(pipe)).toBe(false);
    process.env.NO_COLOR = "1";
    expect(useColor(tty)).toBe(false);
    delete process.env.NO_COLOR;
    process.env.FORCE_COLOR = "1";
    expect(useColor(pipe)).toBe(true);
    process.env.FORCE_COLOR = "0";
    expect(useColor(tty)).toBe(false);
  });
});
