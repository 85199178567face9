/**
 * Plugs the observability layer into the kernel (`src/core/instrument.ts`).
 * `src/run.ts`, which every entry point that can build a runtime reaches,
 * imports and calls `installObservability` (a used binding, not a bare import,
 * so bundlers that trust `"sideEffects": false` keep it).
 */
import { instrumentation } from "../core/instrument.js";
import { envDebug, installTracker } from "./debug.js";
import { attachInspector, detachInspector } from "./inspect.js";
import { createInstrument } from "./runtime-hooks.js";

let installed = false;

/** Connects trace, debug, stats and the `corio ps` listener to the kernel. Idempotent. */
export function installObservability(): void {
  if (installed) return;
  installed = true;
  instrumentation.create = createInstrument;
  instrumentation.activate = attachInspector;
  instrumentation.deactivate = detachInspector;
  // CORIO_DEBUG=1: futures created outside any runtime are tracked too.
  if (envDebug()) installTracker();
}
