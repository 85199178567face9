/**
 * Objects kept alive for the life of the process, so that their hidden
 * classes (V8 maps) never die.
 *
 * Why: V8 holds the map an object reaches by adding its fields only weakly (a
 * map transition), and optimized code that embeds a map is thrown away when a
 * full GC finds that map dead. Without one live instance, a program whose
 * tasks, joins, waiters or channels all become garbage at once (the end of a
 * `run()`, a request, a benchmark round) loses the optimized executor and
 * primitive paths at its next full GC and runs them in the interpreter until
 * they are hot again (`--trace-deopt-verbose`: "weak objects"). Measured: a
 * ping-pong round after `gc()` ran at 517–627 ns/round trip against 377–442
 * with the anchors (docs/internals.md, "Spawn path" and "Channels and
 * wakes"). Primitives anchor on first use, not at import, so a program that
 * never makes one pays nothing at start-up.
 */
const kept: unknown[] = [];

/** @internal Keeps `objects` alive for the life of the process (see the module comment). */
export function keepShapes(...objects: unknown[]): void {
  kept.push(...objects);
}
