/**
 * Errors the sync primitives throw. Each has its own class so `instanceof`
 * tells them apart; bad arguments (a capacity of 0, `acquire(1.5)`) are plain
 * `RangeError`/`TypeError` with a message naming the call.
 */

/**
 * A send on a closed channel (the receiver closed it, or this sender was
 * closed), a receive on a oneshot whose sender closed without sending, a
 * `watch` change wait after the sender closed. `value` is the value that was
 * not sent, when there was one.
 */
export class ChannelClosedError extends Error {
  override name = "ChannelClosedError";
  /** The value a failed send did not send (undefined for receive-side errors). */
  readonly value: unknown;
  constructor(message: string, value?: unknown) {
    super(message);
    this.value = value;
  }
}

/** An acquire (waiting, later, or `tryAcquire`) on a `Semaphore` that was closed with `close()`. */
export class SemaphoreClosedError extends Error {
  override name = "SemaphoreClosedError";
}

/** `trySend` on a full channel: the value was not sent (it is in `.value`). */
export class ChannelFullError extends Error {
  override name = "ChannelFullError";
  readonly value: unknown;
  constructor(message: string, value: unknown) {
    super(message);
    this.value = value;
  }
}

/** `tryRecv` on an empty channel that is still open. */
export class ChannelEmptyError extends Error {
  override name = "ChannelEmptyError";
}

/**
 * A broadcast receiver fell more than `capacity` values behind: `missed`
 * values were dropped for it. Thrown once by `recv()`; the next `recv()`
 * continues with the oldest value still held.
 */
export class LaggedError extends Error {
  override name = "LaggedError";
  /** How many values this receiver missed. */
  readonly missed: number;
  constructor(missed: number) {
    super(`broadcast receiver lagged behind and missed ${missed} value${missed === 1 ? "" : "s"}`);
    this.missed = missed;
  }
}

/** A guard or permit released twice, or used after its release. */
export class AlreadyReleasedError extends Error {
  override name = "AlreadyReleasedError";
}

/** `Queue.putNowait` on a full queue (asyncio's `QueueFull`). */
export class QueueFullError extends Error {
  override name = "QueueFullError";
}

/** `Queue.getNowait` on an empty queue (asyncio's `QueueEmpty`). */
export class QueueEmptyError extends Error {
  override name = "QueueEmptyError";
}

/** Putting into a queue that was shut down, or getting from one that is shut down and empty (asyncio's `QueueShutDown`). */
export class QueueShutDownError extends Error {
  override name = "QueueShutDownError";
}
