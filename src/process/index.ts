/**
 * `corio/process`: child processes for coroutines. `exec` starts a program
 * and returns a `Child` with its stdio as `ByteStream`s, `wait()` and
 * `kill()`; `output` runs one to completion and collects what it wrote.
 *
 * Ownership: the holder closes a `Child` — with `using`, or `close()` in a
 * `finally` — which kills it if it still runs and closes its pipes. So a
 * task cancelled while its child runs kills the child in its cleanup, and
 * Node reaps it as it exits.
 *
 * @module
 */
export type { ExecOptions, ExitStatus, Output, StdioOption } from "./child.js";
export { Child, exec, output } from "./child.js";
export { stdin } from "./stdio.js";
