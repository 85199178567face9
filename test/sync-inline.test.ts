/**
 * Inline completion (src/sync/inline.ts): a ready sync operation completes
 * inside `yield*` without suspending, yet cancellation still takes effect at
 * every `yield*`, a task still lets others run after a bounded number of
 * operations, and a task cancelled while sent to the back of the queue drops
 * its operation cleanly.
 */
import { channel, currentTask, spawn, unboundedChannel, yieldNow } from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("inline completion of ready operations", () => {
  it("a cancel requested by the running task takes effect at a ready send: nothing is sent", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(4);
      const t = spawn(function* () {
        yield* tx.send(1);
        currentTask()?.cancel();
        yield* tx.send(2); // ready, but the task is cancelled: not sent
        yield* tx.send(3);
      });
      try {
        yield* t;
      } catch {}
      expect(t.state).toBe("cancelled");
      expect(rx.tryRecv().value).toBe(1);
      expect(rx.statistics().length).toBe(0);
    });
  });

  it("a task doing only ready operations still lets other tasks run", async () => {
    await runTest(function* () {
      const [tx, rx] = unboundedChannel<number>();
      let sent = 0;
      let sentWhenOtherRan = -1;
      const busy = spawn(function* () {
        for (let i = 0; i < 10_000; i++) {
          yield* tx.send(i);
          sent++;
        }
      });
      spawn(function* () {
        yield* yieldNow();
        sentWhenOtherRan = sent;
      });
      yield* busy;
      expect(sentWhenOtherRan).toBeGreaterThanOrEqual(0);
      expect(sentWhenOtherRan).toBeLessThan(1000);
      expect(rx.statistics().length).toBe(10_000);
    });
  });

  it("order is kept across the budget's requeues", async () => {
    const got = await runTest(function* () {
      const [tx, rx] = channel<number>(300);
      const producer = spawn(function* () {
        for (let i = 0; i < 5_000; i++) yield* tx.send(i);
        tx.close();
      });
      const out: number[] = [];
      for (;;) {
        const r = yield* rx.recv();
        if (r.done) break;
        out.push(r.value);
      }
      yield* producer;
      return out;
    });
    expect(got).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });

  it("a task cancelled while requeued by the budget sent nothing more and released its future", async () => {
    await runTest(function* () {
      const [tx, rx] = unboundedChannel<number>();
      const t = spawn(function* () {
        for (let i = 0; i < 1_000; i++) yield* tx.send(i);
      });
      yield* yieldNow(); // t runs until the budget sends it to the back of the queue
      const before = rx.statistics().length;
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(1_000);
      t.cancel();
      try {
        yield* t;
      } catch {}
      expect(rx.statistics().length).toBe(before);
      // The sender's cached future was released: the next send reuses it.
      const f = tx.send(-1);
      yield* f;
      expect(tx.send(-2)).toBe(f);
    });
  });
});
