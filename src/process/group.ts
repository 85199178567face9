/**
 * Stopping a child and everything it started: the signal, then SIGKILL.
 *
 * `exec` starts each child as the leader of its own process group (Node's
 * `detached`, which is `setsid()`: a new session whose group id is the
 * child's pid), so one `kill(-pid, signal)` reaches the child and every
 * descendant that stayed in the group — the `sleep` a `sh -c "...; sleep 1000"`
 * started, which a signal to the shell alone would orphan. A descendant that
 * starts its own session or group (setsid, a daemonising fork, another
 * corio program's `exec`) leaves the group, and no group signal reaches it.
 *
 * `terminate` is synchronous, because `close()` and `using` are: it sends the
 * first signal (SIGTERM by default) and, if anything in the group still lives
 * `killTimeoutMs` later, SIGKILL. The check runs on a short real-time timer
 * that keeps Node alive until the group is gone or killed, so a program that
 * ends right after closing a child does not leave a SIGTERM-ignoring grandchild
 * behind.
 */

// How often a pending SIGKILL checks whether the group is already empty.
const CHECK_EVERY_MS = 25;

/** What `terminate` signals: a whole group (its leader's pid) or one process. */
export interface Target {
  readonly pid: number;
  /** True if `pid` leads its own process group (signal `-pid`). */
  readonly group: boolean;
}

/** Sends `signal` to the target; false if nothing received it (all gone). */
function signalTarget(target: Target, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(target.group ? -target.pid : target.pid, signal);
    return true;
  } catch (e) {
    // ESRCH: no process left. EPERM: a member we may not signal (it changed user); nothing to do.
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
    return true;
  }
}

/** True while any process of the target still exists (signal 0 tests without sending). */
export function targetAlive(target: Target): boolean {
  return signalTarget(target, 0);
}

/**
 * Sends `signal` to the target now, and SIGKILL after `killTimeoutMs` if
 * anything in it still lives. Returns at once. `signal` SIGKILL needs no
 * follow-up.
 */
export function terminate(target: Target, signal: NodeJS.Signals, killTimeoutMs: number): void {
  if (!signalTarget(target, signal) || signal === "SIGKILL") return;
  const deadline = Date.now() + killTimeoutMs;
  const check = (): void => {
    if (!targetAlive(target)) return;
    if (Date.now() >= deadline) {
      signalTarget(target, "SIGKILL");
      return;
    }
    setTimeout(check, Math.min(CHECK_EVERY_MS, Math.max(0, deadline - Date.now())));
  };
  setTimeout(check, Math.min(CHECK_EVERY_MS, killTimeoutMs));
}
