/**
 * The abort signal a job hands to piscina. piscina needs only `aborted` and
 * one `abort` listener; a real `AbortSignal` is an `EventTarget`, and making
 * one costs more on Node 20 (several microseconds, and garbage) than all the
 * rest of a job's bookkeeping on the calling thread.
 */
export class JobSignal {
  aborted = false;
  #listener: (() => void) | null = null;

  addEventListener(_type: "abort", listener: () => void): void {
    this.#listener = listener;
  }

  removeEventListener(): void {
    this.#listener = null;
  }

  /** Aborts the job: piscina's listener runs now, synchronously. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.#listener;
    this.#listener = null;
    listener?.();
  }
}
