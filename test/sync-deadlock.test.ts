/**
 * Deadlock detection over sync primitives ("touched by", docs/internals.md):
 * tasks stuck on a primitive that only their runtime has used are reported as
 * a DeadlockError; a primitive that plain async code or another runtime also
 * uses never raises a false alarm.
 */
import {
  Barrier,
  Condition,
  type Coroutine,
  call,
  channel,
  DeadlockError,
  Event,
  Mutex,
  Notify,
  oneshot,
  Queue,
  type Receiver,
  run,
  Semaphore,
  type Sender,
  sleep,
  spawn,
  watch,
  yieldNow,
} from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

async function deadlockOf(promise: Promise<unknown>): Promise<DeadlockError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeadlockError);
  return error as DeadlockError;
}

describe("deadlocks on primitives only this runtime touched are reported", () => {
  it("two tasks each waiting to receive from the other", async () => {
    const error = await deadlockOf(
      run(function* () {
        const [aTx, aRx] = channel<number>(1);
        const [bTx, bRx] = channel<number>(1);
        const left = spawn(
          function* () {
            yield* aRx.recv();
            yield* bTx.send(1);
          },
          { name: "left" },
        );
        const right = spawn(
          function* () {
            yield* bRx.recv();
            yield* aTx.send(1);
          },
          { name: "right" },
        );
        yield* left;
        yield* right;
      }),
    );
    expect(error.message).toMatch(/"left" waiting on recv on channel#\d+/);
    expect(error.message).toMatch(/"right" waiting on recv on channel#\d+/);
  });

  it("two tasks taking two mutexes in opposite orders", async () => {
    const error = await deadlockOf(
      runTest(function* () {
        const m1 = new Mutex();
        const m2 = new Mutex();
        const take = (a: Mutex, b: Mutex) =>
          spawn(function* () {
            using _a = yield* a.lock();
            yield* yieldNow();
            using _b = yield* b.lock();
          });
        const t1 = take(m1, m2);
        const t2 = take(m2, m1);
        yield* t1;
        yield* t2;
      }),
    );
    expect(error.message).toMatch(/lock on mutex#\d+/);
  });

  it("a send on a full channel nobody receives from", async () => {
    const error = await deadlockOf(
      run(function* () {
        const [tx] = channel<number>(1);
        yield* tx.send(1);
        yield* tx.send(2);
      }),
    );
    expect(error.message).toMatch(/send on channel#\d+ \(1\/1 full\)/);
  });

  const waits: Record<string, () => Coroutine<unknown>> = {
    oneshot: function* () {
      const [, rx] = oneshot<number>();
      return yield* rx;
    },
    watch: function* () {
      const [, rx] = watch(0);
      yield* rx.changed();
    },
    semaphore: function* () {
      return yield* new Semaphore(0).acquire();
    },
    notify: function* () {
      yield* new Notify().notified();
    },
    event: function* () {
      yield* new Event().wait();
    },
    barrier: function* () {
      return yield* new Barrier(2).wait();
    },
    queue: function* () {
      return yield* new Queue<number>().get();
    },
    "queue join": function* () {
      const q = new Queue<number>();
      q.putNowait(1);
      yield* q.join();
    },
    condition: function* () {
      const c = new Condition();
      const g = yield* c.lock();
      yield* c.wait(g);
    },
  };
  for (const [name, body] of Object.entries(waits)) {
    it(`a task waiting forever on a ${name}`, async () => {
      await deadlockOf(runTest(body));
    });
  }
});

describe("no false alarm when something outside the runtime uses the primitive", () => {
  it("a channel created by plain code, which sends later", async () => {
    const [tx, rx] = channel<number>(1);
    setTimeout(() => tx.trySend(7), 20);
    const got = await run(function* () {
      return yield* rx.recv();
    });
    expect(got.value).toBe(7);
  });

  it("a channel created in a task, also used by plain async code", async () => {
    let handOut: (tx: Sender<number>) => void = () => {};
    const txPromise = new Promise<Sender<number>>((r) => {
      handOut = r;
    });
    let openGate: () => void = () => {};
    const gate = new Promise<void>((r) => {
      openGate = r;
    });
    const running = run(function* () {
      const [tx, rx] = channel<number>(1);
      handOut(tx);
      yield* call(gate); // until plain code has used the channel
      const a = yield* rx.recv();
      const b = yield* rx.recv(); // parks with nothing else to run: no false alarm
      return (a.value ?? 0) + (b.value ?? 0);
    });
    const tx = await txPromise;
    await tx.sendAsync(1);
    openGate();
    setTimeout(() => tx.trySend(2), 20);
    expect(await running).toBe(3);
  });

  it("a channel made in one runtime and also used by another", async () => {
    let handles: [Sender<number>, Receiver<number>] | undefined;
    let made: () => void = () => {};
    const isMade = new Promise<void>((r) => {
      made = r;
    });
    let openGate: () => void = () => {};
    const gate = new Promise<void>((r) => {
      openGate = r;
    });
    const consumer = run(function* () {
      handles = channel<number>(1); // made inside a task: untouched until used
      made();
      yield* call(gate);
      const [, rx] = handles;
      const a = yield* rx.recv();
      const b = yield* rx.recv(); // parks with nothing else to run: no false alarm
      return [a.value, b.value];
    });
    await isMade;
    const producer = run(function* () {
      const [tx] = handles as [Sender<number>, Receiver<number>];
      tx.trySend(1); // the other runtime touches it...
      openGate();
      yield* sleep(20);
      yield* tx.send(2); // ...and sends again much later
    });
    expect(await consumer).toEqual([1, 2]);
    await producer;
  });

  it("a mutex held by another runtime's task", async () => {
    let m: Mutex | undefined;
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = run(function* () {
      m = new Mutex(); // made inside a task: untouched until used
      const guard = yield* m.lock();
      locked();
      yield* sleep(20);
      guard.release();
    });
    await isLocked;
    const waiter = run(function* () {
      using _ = yield* (m as Mutex).lock(); // parks with nothing else to run
      return "locked";
    });
    expect(await waiter).toBe("locked");
    await holder;
  });

  it("a semaphore whose permits another runtime adds later", async () => {
    const sem = new Semaphore(0);
    const waiting = run(function* () {
      const p = yield* sem.acquire();
      p.release();
      return "acquired";
    });
    setTimeout(() => sem.addPermits(1), 20);
    expect(await waiting).toBe("acquired");
  });
});
