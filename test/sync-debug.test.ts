/** Debug mode catches a sync operation created without `yield*` (`tx.send(v)` alone does nothing). */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const program = "test/fixtures/sync-debug-program.ts";

describe("debug mode and sync operations", () => {
  it("warns of a send and a lock created and never awaited, naming where", async () => {
    const { stdout, stderr } = await exec(
      process.execPath,
      ["--expose-gc", "--import", "tsx", program],
      { cwd: root, env: { ...process.env, CORIO_DEBUG: "" } },
    );
    expect(stdout).toBe("end\n");
    const warnings = stderr
      .split("\n")
      .filter((l) => l.startsWith("corio: "))
      .sort();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^corio: lock on mutex#\d+ was created at test\/fixtures\/sync-debug-program\.ts:12:7 but never awaited/,
      ),
      expect.stringMatching(
        /^corio: send on channel#\d+ was created at test\/fixtures\/sync-debug-program\.ts:11:8 but never awaited/,
      ),
    ]);
  });
});
