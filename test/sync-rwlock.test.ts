/**
 * RwLock's guards and edges that sync-locks.test.ts leaves out: use after
 * release, the try* fast paths, what a waiting task is shown waiting on, and
 * the Promise interface for plain async code (with an abort).
 */
import { AlreadyReleasedError, type Coroutine, RwLock, spawn, yieldNow } from "corio";
import { runTest, waitIdle } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("RwLock guards", () => {
  it("a released read guard refuses its value and a second release; dispose does nothing", async () => {
    await runTest(function* () {
      const lock = new RwLock({ n: 1 });
      const guard = yield* lock.read();
      expect(guard.held).toBe(true);
      expect(guard.value).toEqual({ n: 1 });
      guard.release();
      expect(guard.held).toBe(false);
      expect(() => guard.value).toThrow(AlreadyReleasedError);
      expect(() => guard.value).toThrow("cannot read the value of an RwLock read guard");
      expect(() => guard.release()).toThrow("cannot release an RwLock read guard");
      guard[Symbol.dispose](); // already released: a no-op, not a throw
      expect(lock.statistics()).toMatchObject({ readers: 0, writer: false });
    });
  });

  it("a released write guard refuses to read, write or release again; dispose does nothing", async () => {
    await runTest(function* () {
      const lock = new RwLock(1);
      const guard = yield* lock.write();
      guard.value = 2;
      expect(guard.value).toBe(2);
      expect(guard.held).toBe(true);
      guard.release();
      expect(guard.held).toBe(false);
      expect(() => guard.value).toThrow("cannot read the value of an RwLock write guard");
      expect(() => {
        guard.value = 3;
      }).toThrow("cannot write the value of an RwLock write guard");
      expect(() => guard.release()).toThrow(AlreadyReleasedError);
      guard[Symbol.dispose]();
      const again = yield* lock.read();
      expect(again.value).toBe(2); // the write before the release stuck; the one after did not
      again.release();
    });
  });

  it("tryRead shares with readers and fails under a writer; tryWrite needs the lock free", async () => {
    await runTest(function* () {
      const lock = new RwLock("v");
      const r1 = lock.tryRead();
      const r2 = lock.tryRead();
      expect(r1?.value).toBe("v");
      expect(r2?.value).toBe("v");
      expect(lock.tryWrite()).toBeNull(); // readers hold it
      r1?.release();
      r2?.release();
      const w = lock.tryWrite();
      expect(w).not.toBeNull();
      expect(lock.tryRead()).toBeNull(); // the writer holds it
      expect(lock.tryWrite()).toBeNull();
      w?.release();
      expect(lock.tryRead()?.value).toBe("v");
    });
  });
});

describe("RwLock waiting", () => {
  it("a waiting task shows what it waits on: 'read on rwlock#N' / 'write on rwlock#N'", async () => {
    await runTest(function* () {
      const lock = new RwLock(0);
      const writer = yield* lock.write();
      const reader = spawn(function* (): Coroutine<void> {
        using _ = yield* lock.read();
      });
      const other = spawn(function* (): Coroutine<void> {
        using _ = yield* lock.write();
      });
      yield* waitIdle();
      expect(reader.waitingOn).toMatch(/^read on rwlock#\d+$/);
      expect(other.waitingOn).toMatch(/^write on rwlock#\d+$/);
      writer.release();
      yield* reader;
      yield* other;
      expect(lock.statistics()).toMatchObject({ readers: 0, writer: false });
    });
  });

  it("readAsync and writeAsync serve plain async code; an aborted wait takes nothing", async () => {
    const lock = new RwLock(10);
    const r = await lock.readAsync();
    expect(r.value).toBe(10);
    const controller = new AbortController();
    const blocked = lock.writeAsync({ signal: controller.signal });
    controller.abort(new Error("gave up"));
    await expect(blocked).rejects.toThrow("gave up");
    r.release();
    const w = await lock.writeAsync();
    w.value = 11;
    w.release();
    const after = lock.tryRead();
    expect(after?.value).toBe(11);
    after?.release();
    expect(lock.statistics()).toMatchObject({ readers: 0, writer: false });
  });

  it("a cancelled write waiter gives way to the readers queued behind it", async () => {
    await runTest(function* () {
      const lock = new RwLock();
      const first = yield* lock.read();
      const writer = spawn(function* (): Coroutine<void> {
        using _ = yield* lock.write();
      });
      yield* waitIdle();
      const reader = spawn(function* (): Coroutine<string> {
        using _ = yield* lock.read();
        return "read";
      });
      yield* waitIdle();
      expect(reader.waitingOn).toMatch(/^read on/); // queued behind the writer (FIFO)
      writer.cancel();
      yield* yieldNow();
      expect(yield* reader).toBe("read");
      first.release();
    });
  });
});
