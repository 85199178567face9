/**
 * Worker threads in `corio ps`: signals reach only the main thread, so a
 * listing asks each live worker runtime (`spawnWorker`) for its tasks over its
 * port and waits a bounded time for the answers. A worker that does not
 * answer in time (a step that computes without yielding) is listed as busy;
 * the listing never waits on it longer. A worker asks its own workers the same
 * way, with half of its budget, so the answer is one tree across threads.
 */
import type { RuntimeSnapshot } from "./inspect.js";

/** A live worker runtime this thread spawned. */
export interface ThreadSource {
  /** Its runtimes (and its own workers'), or one `busy` entry if it did not answer within `budgetMs`. */
  snapshot(budgetMs: number): Promise<RuntimeSnapshot[]>;
}

const sources = new Set<ThreadSource>();

/** How long the main thread waits for its workers' answers (ms). */
export const WORKER_ANSWER_MS = 500;

export function addThreadSource(source: ThreadSource): void {
  sources.add(source);
}

export function removeThreadSource(source: ThreadSource): void {
  sources.delete(source);
}

export function hasThreadSources(): boolean {
  return sources.size > 0;
}

/** The runtimes of every live worker of this thread, each answering within `budgetMs`. */
export async function threadSnapshots(budgetMs: number): Promise<RuntimeSnapshot[]> {
  const all = await Promise.all([...sources].map((s) => s.snapshot(budgetMs)));
  return all.flat();
}
