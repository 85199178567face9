/**
 * The sync names the design promises are exported from "corio", and the
 * parking lot (for authors of new primitives) from "corio/lowlevel" only.
 */
import * as corio from "corio";
import * as lowlevel from "corio/lowlevel";
import { describe, expect, it } from "vitest";

const inCorio = [
  "channel",
  "unboundedChannel",
  "Sender",
  "Receiver",
  "oneshot",
  "OneshotSender",
  "OneshotReceiver",
  "broadcast",
  "BroadcastSender",
  "BroadcastReceiver",
  "watch",
  "WatchSender",
  "WatchReceiver",
  "Mutex",
  "MutexGuard",
  "RwLock",
  "ReadGuard",
  "WriteGuard",
  "Semaphore",
  "Permit",
  "Notify",
  "OnceCell",
  "CapacityLimiter",
  "CapacityToken",
  "Event",
  "Barrier",
  "Condition",
  "Queue",
  "PriorityQueue",
  "LifoQueue",
  "ChannelClosedError",
  "ChannelFullError",
  "ChannelEmptyError",
  "LaggedError",
  "AlreadyReleasedError",
  "QueueFullError",
  "QueueEmptyError",
  "QueueShutDownError",
  "SemaphoreClosedError",
];
const inLowlevel = ["WaitQueue", "Waiter", "IDLE", "WAITING", "NOTIFIED"];

describe("sync exports", () => {
  it("every sync name is exported from corio, and not from corio/lowlevel", () => {
    for (const name of inCorio) {
      expect((corio as Record<string, unknown>)[name], name).toBeDefined();
      expect((lowlevel as Record<string, unknown>)[name], name).toBeUndefined();
    }
  });

  it("the parking lot is exported from corio/lowlevel only", () => {
    for (const name of inLowlevel) {
      expect((lowlevel as Record<string, unknown>)[name], name).toBeDefined();
      expect((corio as Record<string, unknown>)[name], name).toBeUndefined();
    }
  });

  it("every sync error is an Error with its own name", () => {
    for (const name of inCorio.filter((n) => n.endsWith("Error"))) {
      const E = (corio as unknown as Record<string, new (m: string, v?: unknown) => Error>)[name];
      const e =
        name === "LaggedError" ? new (E as never as new (n: number) => Error)(3) : new E("x");
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(name);
    }
  });
});
