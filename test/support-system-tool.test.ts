/** test/support/system-tool.ts: a missing system tool skips its tests with one line, or fails under CI. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { systemTool } from "./support/system-tool.js";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("systemTool", () => {
  it("finds a tool on PATH: its path, nothing skipped", () => {
    const sh = systemTool("sh", "dash");
    expect(sh.skip).toBe(false);
    expect(sh.path).toMatch(/\/sh$/);
  });

  it("a missing tool outside CI: skipped, with one line naming the Debian package", () => {
    vi.stubEnv("CI", "");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const tool = systemTool("corio-no-such-tool", "corio-tools");
    expect(tool).toMatchObject({ skip: true, path: null });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(
      /^corio-no-such-tool not found on PATH: .*Debian package corio-tools\)$/,
    );
  });

  it("a missing tool under CI=true fails, naming the package to install", () => {
    vi.stubEnv("CI", "true");
    expect(() => systemTool("corio-no-such-tool", "corio-tools")).toThrow(
      "CI=true but corio-no-such-tool is missing: apt-get install corio-tools",
    );
  });
});
