/** examples/lines-pipeline.ts: a file read line by line, filtered, batched and written through a bounded channel. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "corio";
import { afterAll, describe, expect, it } from "vitest";
import { linesPipeline } from "../examples/lines-pipeline.ts";

const dir = mkdtempSync(join(tmpdir(), "corio-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("examples/lines-pipeline", () => {
  it("writes exactly the matching lines, in order, in batches of at most batchSize", async () => {
    const input = join(dir, "in.log");
    const output = join(dir, "out.log");
    const all = Array.from(
      { length: 20_000 },
      (_, i) => `${i} ${i % 7 === 0 ? "ERROR" : "ok"} line`,
    );
    writeFileSync(input, `${all.join("\n")}\n`);
    const sizes: number[] = [];
    let maxWaiting = 0;
    const r = await run(
      linesPipeline({
        input,
        output,
        keep: (l) => l.includes("ERROR"),
        batchSize: 64,
        capacity: 2,
        onWrite: (n, waiting) => {
          sizes.push(n);
          maxWaiting = Math.max(maxWaiting, waiting);
        },
      }),
    );
    const expected = all.filter((l) => l.includes("ERROR"));
    expect(readFileSync(output, "utf8")).toBe(`${expected.join("\n")}\n`);
    expect(r.lines).toBe(expected.length);
    expect(r.batches).toBe(sizes.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    expect(maxWaiting).toBeLessThanOrEqual(2); // the channel bounds what waits for the writer
  });

  it("the reader runs no further ahead of the writer than the batches in flight", async () => {
    const input = join(dir, "big.log");
    const output = join(dir, "big-out.log");
    // 4 MiB of lines: a reader that ran ahead would filter them all before the first writes.
    const line = `${"x".repeat(63)}\n`;
    writeFileSync(input, line.repeat(65_536));
    let filtered = 0;
    let written = 0;
    let maxLead = 0;
    const r = await run(
      linesPipeline({
        input,
        output,
        keep: () => {
          filtered++;
          return true;
        },
        batchSize: 1000,
        capacity: 1,
        onWrite: (n) => {
          written += n;
          maxLead = Math.max(maxLead, filtered - written);
        },
      }),
    );
    expect(r.lines).toBe(65_536);
    expect(readFileSync(output, "utf8")).toBe(line.repeat(65_536));
    // One batch in the channel, one in a waiting send, one being gathered: at most 3000 lines
    // (plus the batch just written) were read before the writer asked for them.
    expect(maxLead).toBeLessThanOrEqual(4000);
  });

  it("runs from the command line", () => {
    const input = join(dir, "cli.log");
    const output = join(dir, "cli-out.log");
    writeFileSync(input, "a GET\nb POST\nc GET\n");
    const script = fileURLToPath(new URL("../examples/lines-pipeline.ts", import.meta.url));
    const stdout = execFileSync(
      process.execPath,
      ["--import", "tsx", script, input, output, "GET"],
      {
        encoding: "utf8",
      },
    );
    expect(stdout.trim()).toBe("2 lines in 1 batches");
    expect(readFileSync(output, "utf8")).toBe("a GET\nc GET\n");
  });
});
