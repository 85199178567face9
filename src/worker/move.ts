/**
 * Moving `spawnWorker`'s arguments to the worker thread: everything is
 * structured-cloned, except worker channel ends, which move (their
 * `MessagePort` is transferred, with the end's credits or buffered values).
 *
 * Ends may sit anywhere inside arrays and plain objects. Each is replaced by a
 * marker `{[END]: i}` before cloning, and the worker side puts the revived end
 * `i` back in its place. The clone is made at the call, so an argument that
 * cannot be cloned is an error there, before any end has moved.
 */
import type { MessagePort } from "node:worker_threads";
import type { ReceiverState, SenderState } from "./channel.js";
import { reviveEnd, WorkerReceiver, WorkerSender } from "./channel.js";
import { findUncloneable } from "./clone-check.js";

const END = "corio.workerChannelEnd";

/** Arguments ready to post to a worker thread. */
export interface MovedArgs {
  /** The cloned arguments, with ends replaced by markers. */
  args: unknown[];
  ends: (SenderState | ReceiverState)[];
  /** The ends' ports, for the `transferList`. */
  ports: MessagePort[];
}

/**
 * Clones `args` and moves the channel ends in them. `what` names the call and
 * module for errors; `to` the worker, for an end used after it moved.
 */
export function moveArgs(args: readonly unknown[], what: string, to: string): MovedArgs {
  if (!Array.isArray(args))
    throw new TypeError(`${what}: args must be an array of arguments for the module's function`);
  const found: (WorkerSender<unknown> | WorkerReceiver<unknown>)[] = [];
  const seen = new Set<unknown>();
  const mark = (value: unknown): unknown => {
    if (value instanceof WorkerSender || value instanceof WorkerReceiver) {
      if (found.includes(value))
        throw new TypeError(`${what}: the same channel end is passed twice`);
      found.push(value);
      return { [END]: found.length - 1 };
    }
    if (typeof value !== "object" || value === null || seen.has(value)) return value;
    seen.add(value);
    if (Array.isArray(value)) return value.map(mark);
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = mark((value as Record<string, unknown>)[key]);
    return out;
  };
  const marked = args.map(mark);
  let cloned: unknown[];
  try {
    cloned = structuredClone(marked);
  } catch (error) {
    const where = findUncloneable(marked);
    throw new TypeError(
      `${what}: ${where ?? "an argument"} cannot be sent to a worker thread (${(error as Error).message}). ` +
        "Arguments are structured-cloned: pass data (numbers, strings, plain objects, arrays, typed arrays, " +
        "Maps, Sets) and worker channel ends, not functions, class instances with behaviour, or sockets",
      { cause: error },
    );
  }
  const ends = found.map((end) => end._state(to));
  return { args: cloned, ends, ports: ends.map((e) => e.port) };
}

/** On the worker's side: the arguments with their channel ends revived. */
export function receiveArgs(args: unknown[], ends: (SenderState | ReceiverState)[]): unknown[] {
  if (ends.length === 0) return args;
  const revived = ends.map(reviveEnd);
  const put = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = put(value[i]);
      return value;
    }
    const index = (value as Record<string, unknown>)[END];
    if (typeof index === "number" && Object.keys(value).length === 1) return revived[index];
    for (const key of Object.keys(value))
      (value as Record<string, unknown>)[key] = put((value as Record<string, unknown>)[key]);
    return value;
  };
  return args.map(put);
}
