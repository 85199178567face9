/** `corio tour` (what `npm start` runs): it runs to completion, says what it should, in time. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCorio } from "./fixtures/run-corio.ts";

/** The environment without colour: NO_COLOR set and FORCE_COLOR absent (Node 24 warns if both are). */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  return env;
}

describe("corio tour", () => {
  // How long the tour takes is not asserted here (a loaded machine is slow);
  // what it demonstrates is, through orderings and the times it prints.
  it("runs every part and writes the trace and the page", async () => {
    const out = mkdtempSync(join(tmpdir(), "corio-tour-"));
    const { code, stdout, stderr } = await runCorio(["tour", "--out", out], {
      env: plainEnv(),
      timeoutMs: 60_000,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);

    // Each part, in order.
    const titles = [
      "1. Three counters, one second",
      "2. Chained coroutines",
      "3. Producers and consumers",
      "4. A TCP echo server, many clients",
      "5. Cancellation",
      "6. One step at a time",
      "7. CPU work and threads",
      "Your turn",
    ];
    let at = 0;
    for (const title of titles) {
      const i = stdout.indexOf(title, at);
      expect(i, title).toBeGreaterThan(at - 1);
      at = i;
    }

    // 1: concurrently in about one second, sequentially in three.
    const concurrent = /concurrently: One One One Two Two Two +\((\d+\.\d+) s\)/.exec(stdout);
    const sequential = /sequentially: One Two One Two One Two +\((\d+\.\d+) s\)/.exec(stdout);
    expect(concurrent).not.toBeNull();
    expect(sequential).not.toBeNull();
    // Timers never fire early, so these lower bounds hold on any machine; the
    // concurrent run beats the sequential one by the two seconds it overlaps.
    expect(Number(concurrent![1])).toBeGreaterThanOrEqual(1);
    expect(Number(sequential![1])).toBeGreaterThanOrEqual(3);
    expect(Number(concurrent![1])).toBeLessThan(Number(sequential![1]));
    // 2: the longest chain, not the sum.
    const chains =
      /all three done in (\d+\.\d+) s: the longest chain is 600 ms, the sum would be (\d+) ms/.exec(
        stdout,
      );
    expect(chains).not.toBeNull();
    expect(Number(chains![1])).toBeGreaterThanOrEqual(0.6);
    expect(Number(chains![1]) * 1000).toBeLessThan(Number(chains![2]));
    // 3: every item through the queue.
    for (const item of ["A1", "A2", "A3", "B1", "B2", "B3"])
      expect(stdout).toMatch(new RegExp(`finished ${item}`));
    expect(stdout).toMatch(/6 items in \d+\.\d+ s/);
    // 4: every line echoed.
    expect(stdout).toMatch(/100 clients, 300 of 300 lines echoed/);
    // 5: the cleanup ran before the timeout returned.
    const cleanup = stdout.indexOf("download: cleanup finished");
    const caught = stdout.indexOf("main: caught TimeoutError");
    expect(stdout.indexOf("download: cancelled; cleanup started")).toBeGreaterThan(0);
    expect(cleanup).toBeGreaterThan(0);
    expect(caught).toBeGreaterThan(cleanup);
    expect(stdout).not.toMatch(/never reached/);
    // 6: nothing runs before a step; then one task per step; then nothing is ready.
    expect(stdout).toMatch(/const a = greet\("a"\) +\(nothing printed\)/);
    expect(stdout).toMatch(/rt\.spawn\(a\); rt\.spawn\(b\) +\(nothing printed\)/);
    expect(stdout).toMatch(/rt\.step\(\) → true +a: hello\n/);
    expect(stdout).toMatch(/rt\.step\(\) → true +b: hello\n/);
    expect(stdout).toMatch(/rt\.step\(\) → true +a: world\n/);
    expect(stdout).toMatch(/rt\.step\(\) → false/);
    // 7: the same count both ways; on the loop the ticker could not run during the job.
    const onLoop = /on the loop: 92938 primes in (\d+) ms; the ticker's worst delay (\d+) ms/.exec(
      stdout,
    );
    expect(onLoop).not.toBeNull();
    expect(Number(onLoop![2])).toBeGreaterThanOrEqual(Number(onLoop![1]) - 25);
    expect(stdout).toMatch(/in a worker: 92938 primes in \d+ ms; the ticker's worst delay \d+ ms/);
    // Timelines: one row per task, plain text (NO_COLOR).
    expect(stdout).toMatch(/^ {2}main +│█/m);
    expect(stdout).toMatch(/^ {4}count 1 +│/m);
    expect(stdout.includes("\x1b[")).toBe(false);
    expect(stdout.match(/Notice:/g)?.length).toBe(7);

    // The files it wrote.
    const trace = JSON.parse(readFileSync(join(out, "corio-tour.trace.json"), "utf8"));
    const names = trace.traceEvents
      .filter((e: any) => e.ph === "M" && e.name === "process_name")
      .map((e: any) => e.args.name);
    expect(names).toEqual(expect.arrayContaining([`${titles[0]}: concurrently`, titles[4]]));
    expect(readFileSync(join(out, "corio-tour.html"), "utf8")).toMatch(/^<!doctype html>/);
    expect(stdout).toContain(join(out, "corio-tour.html"));
    expect(stdout).toContain("ui.perfetto.dev");
  }, 60_000);
});
