// The native baseline's primitives: what a competent engineer writes with plain promises when the
// platform has no channel or mutex. Small, FIFO-fair, and allocation-light on the hot paths: a
// fast path returns one shared resolved promise, and only a party that must wait allocates one.

const RESOLVED: Promise<void> = Promise.resolve();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface ParkedSender<T> {
  value: T;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A bounded channel: a ring buffer of `capacity` slots, plus FIFO queues of parked receivers (the
 * buffer is empty) and parked senders (the buffer is full). A send to a parked receiver hands the
 * value over directly; a receive from a full buffer moves the first parked sender's value in.
 * `recv()` resolves `{done: true}` once the channel is closed and drained.
 */
export class NativeChannel<T> {
  readonly #capacity: number;
  readonly #slots: (T | undefined)[];
  #head = 0;
  #length = 0;
  #closed = false;
  readonly #receivers: ((result: IteratorResult<T, undefined>) => void)[] = [];
  readonly #senders: ParkedSender<T>[] = [];

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError("capacity must be at least 1");
    this.#capacity = capacity;
    this.#slots = new Array(capacity).fill(undefined);
  }

  send(value: T): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("send on a closed channel"));
    const receiver = this.#receivers.shift();
    if (receiver !== undefined) {
      receiver({ done: false, value });
      return RESOLVED;
    }
    if (this.#length < this.#capacity) {
      this.#push(value);
      return RESOLVED;
    }
    return new Promise((resolve, reject) => this.#senders.push({ value, resolve, reject }));
  }

  recv(): Promise<IteratorResult<T, undefined>> {
    if (this.#length > 0) {
      const value = this.#shift();
      const sender = this.#senders.shift();
      if (sender !== undefined) {
        this.#push(sender.value);
        sender.resolve();
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.#receivers.push(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const receiver of this.#receivers.splice(0)) receiver({ done: true, value: undefined });
    for (const sender of this.#senders.splice(0)) {
      sender.reject(new Error("channel closed"));
    }
  }

  #push(value: T): void {
    this.#slots[(this.#head + this.#length) % this.#capacity] = value;
    this.#length++;
  }

  #shift(): T {
    const value = this.#slots[this.#head] as T;
    this.#slots[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#capacity;
    this.#length--;
    return value;
  }
}

/** A FIFO mutex: `unlock()` hands the lock straight to the first waiter (no barging). */
export class NativeMutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return RESOLVED;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#locked = false;
  }
}
