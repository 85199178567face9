/**
 * The open-resource registry that leak checks read: `runTest`'s `LeakError`
 * (src/testing/leaks.ts) and debug mode's end-of-run report.
 *
 * The model
 * ---------
 * A runtime that checks for leaks has a registry (`runtime._resources`, a Set;
 * null on every other runtime). Each socket, listener, file, child process or
 * signal stream that a task of that runtime opens is an entry in it from the
 * moment it is handed to user code until its owner closes it (`close()`,
 * `abort()`, `using`), whichever runtime is running then. An entry also holds
 * where user code asked for the resource: the stack captured when the
 * operation was called (`listen(...)`, `open(...)`), because the resource
 * itself is made later, in a poll, with only the executor on the stack. The
 * stack is formatted (to the first frame outside corio) only if the entry is
 * reported.
 *
 * Cost when unused: `openingSite()` and `resourceOpened()` are one load of the
 * current runtime and a compare each; `resourceClosed(null)` one compare. A
 * stack capture happens only on a checking runtime, and only for operations
 * that open something (not for every read, write or sleep).
 *
 * Invariant: an entry is in `registry` exactly while its resource is open.
 */
import { cur } from "./current.js";
import type { Task } from "./task.js";

/** What kind of thing was left open, as a leak report names it. */
export type ResourceKind =
  | "listener"
  | "socket"
  | "udp socket"
  | "file"
  | "child process"
  | "signal stream"
  | "worker job"
  | "timer";

/** One open resource in a runtime's registry. */
export interface ResourceEntry {
  readonly kind: ResourceKind;
  /** A one-line description ("TcpListener(127.0.0.1:4000)"), computed when reported. */
  readonly describe: () => string;
  /** The stack when user code asked for it, or null when not captured. */
  readonly site: Error | null;
  /** The registry the entry is in (a resource may be closed under another runtime). */
  readonly registry: Set<ResourceEntry>;
  /** The task that opened it (a simulated host's crash releases what its tasks held). */
  readonly owner: Task<unknown> | null;
}

/** Frames to record: enough to get past corio's own frames to the caller. */
const DEPTH = 24;

/**
 * Records the current stack, cheaply: V8 records the frames at once but
 * formats them only when `.stack` is read (trace/stack.ts's `userFrame`).
 */
export function captureSite(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = DEPTH;
  const site = new Error("site");
  Error.stackTraceLimit = limit;
  return site;
}

/**
 * Where user code is asking for a resource: the current stack if the current
 * runtime checks for leaks, else null. Call it in the operation itself (while
 * the caller's frame is on the stack), not in the poll that opens the resource.
 */
export function openingSite(): Error | null {
  const rt = cur.rt;
  return rt === null || rt._resources === null ? null : captureSite();
}

/**
 * Registers a resource just opened by the current runtime's task, if that
 * runtime checks for leaks. Returns the entry to hand to `resourceClosed`
 * (null when nothing was registered).
 */
export function resourceOpened(
  kind: ResourceKind,
  describe: () => string,
  site: Error | null,
): ResourceEntry | null {
  const rt = cur.rt;
  const registry = rt === null ? null : rt._resources;
  if (registry === null) return null;
  const entry: ResourceEntry = { kind, describe, site, registry, owner: cur.task };
  registry.add(entry);
  return entry;
}

/** The resource of `entry` was closed. Accepts null (nothing was registered). Idempotent. */
export function resourceClosed(entry: ResourceEntry | null): void {
  if (entry !== null) entry.registry.delete(entry);
}

/**
 * Forgets every resource that `root` or a task under it opened, in `root`'s
 * runtime: a simulated power cut (`sim.crash`) frees what the machine held, as
 * an operating system does when a machine goes down, so none of it is a leak.
 */
export function releaseResourcesOf(root: Task<unknown>): void {
  const registry = root._findRuntime()._resources;
  if (registry === null) return;
  for (const entry of [...registry]) {
    for (let t = entry.owner; t !== null; t = t.parent) {
      if (t === root) {
        registry.delete(entry);
        break;
      }
    }
  }
}
