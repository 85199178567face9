/**
 * `corio/signal`: Unix signals as streams. `signal("SIGHUP")` returns a
 * stream of deliveries to `recv()` in a loop (or `for await` from plain async
 * code); while it is open the signal's default action is replaced. Close it
 * (or declare it with `using`) to restore the default.
 *
 * @module
 */
export { type SignalOptions, SignalStream, signal } from "./signal.js";
