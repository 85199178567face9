/**
 * `corio/trace`: tools that look at corio runtimes from outside — list the
 * tasks of a live process (`corio ps` / `corio pstree`), format listings, write
 * traces. The runtime side (`runtime.tasks()`, `dump()`, `traceEvents()`, the
 * `trace`, `debug` and `stats` options) is in `corio`. See docs/observability.md.
 *
 * @module
 */

export { formatCopies } from "./copies.js";
export { formatTaskTable, formatTaskTree } from "./format.js";
export type { CopySnapshot, RuntimeSnapshot, TaskSnapshot } from "./inspect.js";
export type { InspectErrorCode, ReadSnapshotOptions } from "./read.js";
export { InspectError, readTaskSnapshot } from "./read.js";
export { writeTrace } from "./write.js";
