/**
 * Tests that drive a system tool (nc, chromium, ...): skipped with one line
 * naming the Debian package when the tool is absent, and failed when
 * `CI=true` (CI installs every tool, so a missing one is a broken CI, not a
 * reason to skip). Node, npm, python3, curl and POSIX basics (sh, sleep,
 * sort) are assumed and need no check.
 *
 * @example
 * const nc = systemTool("nc", "netcat-openbsd");
 * it.skipIf(nc.skip)("serves nc as a client", ...);
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface SystemTool {
  /** The command's name on PATH. */
  readonly command: string;
  /** The Debian package that provides it. */
  readonly debianPackage: string;
  /** Its absolute path, or null when it is not on PATH. */
  readonly path: string | null;
  /** True when the tests that need it should be skipped (absent, and not under CI). */
  readonly skip: boolean;
}

/** The absolute path of `command` on PATH, or null. */
function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return null;
}

/** True under CI (`CI=true`, as CI services set it; also `CI=1`). */
export function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

/**
 * Looks `command` up on PATH. Absent outside CI: prints one line naming the
 * Debian package and returns `skip: true`. Absent under CI: throws, which
 * fails the test file that asked.
 */
export function systemTool(command: string, debianPackage: string): SystemTool {
  const path = which(command);
  if (path === null) {
    const line = `${command} not found on PATH: tests that need it are skipped (install the Debian package ${debianPackage})`;
    if (underCi()) {
      throw new Error(`CI=true but ${command} is missing: apt-get install ${debianPackage}`);
    }
    console.warn(line);
  }
  return { command, debianPackage, path, skip: path === null };
}
