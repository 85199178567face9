/**
 * `corio/process`: child processes for coroutines. `exec` starts a program
 * and returns a `Child` with its stdio as `ByteStream`s, `wait()` and
 * `kill()`; `output` runs one to completion and collects what it wrote.
 *
 * Ownership: the holder closes a `Child` — with `using`, or `close()` in a
 * `finally` — which stops its process group (SIGTERM, then SIGKILL after
 * `killTimeoutMs`) and closes its pipes. So a task cancelled while its child
 * runs stops the child and what it started in its cleanup, and Node reaps
 * the child as it exits.
 *
 * @module
 */
export type { ExecOptions, ExitStatus, Output, StdioOption } from "./child.js";
export { Child, exec, output } from "./child.js";
export { stdin } from "./stdio.js";
