/**
 * The package's public surface, checked against the built `dist/` through the
 * package's own `exports` map (as a user's `import` would resolve it): every
 * public value is exported from exactly one entry point, as trio's
 * test_exports.py checks for its namespaces.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as {
  exports: Record<string, unknown>;
  sideEffects: boolean;
  engines: { node: string };
  type: string;
};
const entryPoints = Object.keys(pkg.exports)
  .filter((k) => k !== "./package.json")
  .map((k) => (k === "." ? "corio" : `corio/${k.slice(2)}`));

/** Imports each entry point in a fresh Node process, by name, from the built package. */
function exportedNames(): Record<string, string[]> {
  const script = `
    const out = {};
    for (const name of ${JSON.stringify(entryPoints)}) out[name] = Object.keys(await import(name)).sort();
    console.log(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
  });
  return JSON.parse(stdout.toString()) as Record<string, string[]>;
}

describe("package", () => {
  it("is ESM, side-effect free, for Node >= 20, with the documented entry points", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe(">=20");
    expect(entryPoints).toEqual(
      expect.arrayContaining([
        "corio",
        "corio/lowlevel",
        "corio/testing",
        "corio/net",
        "corio/fs",
        "corio/process",
        "corio/signal",
        "corio/worker",
      ]),
    );
  });

  it("exports every public value from exactly one entry point", () => {
    const names = exportedNames();
    const seen = new Map<string, string>();
    for (const [entry, values] of Object.entries(names)) {
      expect(values.length, `${entry} exports something`).toBeGreaterThan(0);
      for (const value of values) {
        expect(
          seen.get(value),
          `${value} is exported by both ${seen.get(value)} and ${entry}`,
        ).toBeUndefined();
        seen.set(value, entry);
      }
    }
    // The names the design promises, each where it belongs.
    const expected: Record<string, string[]> = {
      corio: [
        "run",
        "main",
        "Runtime",
        "spawn",
        "Task",
        "currentTask",
        "taskGroup",
        "TaskLocal",
        "CancelledError",
        "DeadlockError",
        "TimeoutError",
        "all",
        "allSettled",
        "race",
        "any",
        "select",
        "timeout",
        "shield",
        "yieldNow",
        "sleep",
        "sleepUntil",
        "interval",
        "now",
        "call",
        "mapConcurrent",
        "retry",
        "joinSet",
        "JoinSet",
        "resource",
      ],
      "corio/lowlevel": ["PENDING", "pollFn", "ready", "pending", "trackCreation"],
      "corio/testing": ["runTest", "clock", "waitIdle", "LeakError"],
      "corio/trace": [
        "readTaskSnapshot",
        "formatTaskTable",
        "formatTaskTree",
        "writeTrace",
        "InspectError",
      ],
      "corio/net": [
        "listen",
        "connect",
        "udp",
        "TcpListener",
        "TcpStream",
        "ByteStream",
        "UdpSocket",
        "withTransport",
        "nodeTransport",
        "MemoryNetwork",
      ],
      "corio/fs": [
        "readFile",
        "writeFile",
        "appendFile",
        "open",
        "File",
        "readDir",
        "stat",
        "rm",
        "mkdir",
        "reader",
      ],
      "corio/process": ["exec", "output", "Child", "stdin"],
      "corio/signal": ["signal", "SignalStream"],
      "corio/http": ["serve", "fetch", "text", "json", "bytes", "response"],
      "corio/worker": ["runInWorker", "WorkerPool", "WorkerCrashError"],
    };
    for (const [entry, values] of Object.entries(expected)) {
      for (const value of values) expect(seen.get(value), value).toBe(entry);
    }
  });

  it("ships type declarations for every entry point", () => {
    for (const entry of Object.values(pkg.exports)) {
      if (typeof entry !== "object" || entry === null) continue;
      const types = (entry as { types: string }).types;
      expect(readFileSync(`${root}/${types}`, "utf8").length).toBeGreaterThan(0);
    }
  });
});
