/**
 * Notify.notifyLast (ported from Tokio's tests/sync_notify.rs notify_last
 * cases) and an RwLock write guard's downgrade().
 */
import { AlreadyReleasedError, Notify, RwLock, spawn } from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("Notify.notifyLast", () => {
  // tokio: notify_multi_notified_last
  it("wakes the most recent waiter, not the oldest", async () => {
    await runTest(function* () {
      const n = new Notify();
      const order: string[] = [];
      const waiter = (name: string) =>
        spawn(function* () {
          yield* n.notified();
          order.push(name);
        });
      const tasks = [waiter("first"), waiter("second"), waiter("third")];
      yield* waitIdle();
      n.notifyLast();
      yield* waitIdle();
      expect(order).toEqual(["third"]);
      n.notifyLast();
      yield* waitIdle();
      expect(order).toEqual(["third", "second"]);
      n.notifyOne();
      for (const t of tasks) yield* t;
      expect(order).toEqual(["third", "second", "first"]);
    });
  });

  // tokio: notify_last stores a permit when nobody waits
  it("stores one permit when nobody waits (at most one)", async () => {
    await runTest(function* () {
      const n = new Notify();
      n.notifyLast();
      n.notifyLast();
      expect(n.statistics()).toEqual({ waiting: 0, permit: true });
      yield* n.notified();
      expect(n.statistics().permit).toBe(false);
    });
  });

  // tokio: notified_drop_notified_notify_last — a woken waiter dropped before its poll passes it on
  it("a waiter it picked that is cancelled before its poll passes the wake-up to the newest waiter left", async () => {
    await runTest(function* () {
      const n = new Notify();
      const woke: string[] = [];
      const a = spawn(function* () {
        yield* n.notified();
        woke.push("a");
      });
      const b = spawn(function* () {
        yield* n.notified();
        woke.push("b");
      });
      const c = spawn(function* () {
        yield* n.notified();
        woke.push("c");
      });
      yield* waitIdle();
      n.notifyLast(); // picks c
      c.cancel(); // before c's poll: the notification goes to b (the newest left)
      yield* waitIdle();
      expect(woke).toEqual(["b"]);
      expect(n.statistics()).toEqual({ waiting: 1, permit: false });
      n.notifyOne();
      yield* a;
      yield* b;
      expect(woke).toEqual(["b", "a"]);
    });
  });
});

describe("RwLock write guard downgrade", () => {
  it("keeps the value, turns the write into a read, and lets waiting readers in at once", async () => {
    await runTest(function* () {
      const lock = new RwLock({ v: 0 });
      const w = yield* lock.write();
      const readers = [1, 2].map(() =>
        spawn(function* () {
          const r = yield* lock.read();
          const v = r.value.v;
          r.release();
          return v;
        }),
      );
      yield* waitIdle();
      expect(lock.statistics().waiting).toBe(2);
      w.value = { v: 7 };
      const r = w.downgrade();
      expect(w.held).toBe(false);
      expect(() => w.value).toThrow(AlreadyReleasedError);
      expect(() => w.downgrade()).toThrow("cannot downgrade an RwLock write guard");
      expect(r.value).toEqual({ v: 7 });
      expect(lock.statistics()).toMatchObject({ writer: false, readers: 1 });
      for (const t of readers) expect(yield* t).toBe(7);
      r.release();
      expect(lock.statistics()).toEqual({ readers: 0, writer: false, waiting: 0 });
    });
  });

  it("a writer waiting when the write is downgraded still waits for the read to end", async () => {
    await runTest(function* () {
      const lock = new RwLock(0);
      const w = yield* lock.write();
      let wrote = false;
      const writer = spawn(function* () {
        using g = yield* lock.write();
        g.value = 2;
        wrote = true;
      });
      yield* waitIdle();
      const r = w.downgrade();
      yield* waitIdle();
      expect(wrote).toBe(false);
      expect(lock.tryWrite()).toBeNull();
      r.release();
      yield* writer;
      expect(wrote).toBe(true);
      expect(lock.tryRead()?.value).toBe(2);
    });
  });
});
