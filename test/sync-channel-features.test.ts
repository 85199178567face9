/**
 * The channel features of issue 13: recvMany, watch sendModify/waitFor,
 * broadcast resubscribe. Each promise, its cancel safety, bad input; a few
 * ported from Tokio's tests/sync_mpsc.rs, sync_watch.rs and sync_broadcast.rs.
 */
import { channel, select, sleep, spawn, unboundedChannel } from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("rx.recvMany(max)", () => {
  // Tokio: sync_mpsc.rs `recv_many_unbounded` / `recv_many_bounded_capacity`.
  it("takes every buffered message up to max, in order, then [] once closed and drained", async () => {
    await runTest(function* () {
      const [tx, rx] = unboundedChannel<string>();
      for (const v of ["hello", "world", "!"]) tx.trySend(v);
      expect(yield* rx.recvMany(2)).toEqual(["hello", "world"]);
      tx.trySend("again");
      expect(yield* rx.recvMany(10)).toEqual(["!", "again"]);
      tx.close();
      expect(yield* rx.recvMany(10)).toEqual([]);
      expect(yield* rx.recvMany(10)).toEqual([]);
      rx._check();
    });
  });

  it("waits while empty; taking frees slots for waiting senders", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(2);
      const producer = spawn(function* () {
        for (let i = 0; i < 5; i++) yield* tx.send(i);
        tx.close();
      });
      const got: number[] = [];
      for (;;) {
        const batch = yield* rx.recvMany(4);
        if (batch.length === 0) break;
        expect(batch.length).toBeLessThanOrEqual(2);
        got.push(...batch);
      }
      yield* producer;
      expect(got).toEqual([0, 1, 2, 3, 4]);
      rx._check();
    });
  });

  it("a waiting recvMany is woken by a send and keeps its place in line", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const first = spawn(function* () {
        return yield* rx.recvMany(3);
      });
      yield* waitIdle();
      const second = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      tx.trySend(1);
      tx.trySend(2);
      expect(yield* first).toEqual([1]);
      expect((yield* second).value).toBe(2);
    });
  });

  it("cancel-safe: a recvMany that loses a select took nothing", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const got = yield* select({ batch: rx.recvMany(4), tick: sleep(10) });
      expect(got.key).toBe("tick");
      expect(rx.statistics().waitingReceivers).toBe(0);
      tx.trySend(7);
      tx.trySend(8);
      expect(yield* rx.recvMany(4)).toEqual([7, 8]);
      rx._check();
    });
  });

  it("cancel-safe: a message promised to a cancelled recvMany goes to the next receiver", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const a = spawn(function* () {
        return yield* rx.recvMany(4);
      });
      yield* waitIdle();
      const b = spawn(function* () {
        return yield* rx.recv();
      });
      yield* waitIdle();
      tx.trySend(5); // promised to a, which is cancelled before it polls
      a.cancel();
      expect((yield* b).value).toBe(5);
      rx._check();
    });
  });

  it("max must be an integer >= 1, named in the error", () => {
    const [, rx] = channel<number>(1);
    expect(() => rx.recvMany(0)).toThrow(RangeError);
    expect(() => rx.recvMany(0)).toThrow(/recvMany\(max\).*>= 1.*got 0/);
    expect(() => rx.recvMany(-1)).toThrow(/got -1/);
    expect(() => rx.recvMany(1.5)).toThrow(/got 1.5/);
    expect(() => rx.recvMany(Number.NaN)).toThrow(/got NaN/);
  });
});
