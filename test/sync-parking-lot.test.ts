/**
 * The parking lot (corio/lowlevel's WaitQueue): FIFO order, self-removal of
 * cancelled waiters, grants versus plain wake-ups, and a consistent list after
 * every operation.
 */
import { IDLE, NOTIFIED, WAITING, Waiter, WaitQueue } from "corio/lowlevel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function recorder(log: number[], id: number) {
  return { wake: () => log.push(id) };
}

describe("WaitQueue", () => {
  it("notifies in arrival order, granting each waiter", () => {
    const q = new WaitQueue();
    const log: number[] = [];
    const ws = [0, 1, 2].map((i) => {
      const w = new Waiter();
      q.park(w, recorder(log, i));
      return w;
    });
    expect(q.length).toBe(3);
    expect(q.first).toBe(ws[0]);
    expect(q.notifyOne()).toBe(ws[0]);
    expect(ws[0]?.state).toBe(NOTIFIED);
    expect(q.notifyOne()).toBe(ws[1]);
    expect(q.notifyOne()).toBe(ws[2]);
    expect(q.notifyOne()).toBeNull();
    expect(log).toEqual([0, 1, 2]);
    q.check();
  });

  it("a removed (cancelled) waiter leaves no entry and is never woken", () => {
    const q = new WaitQueue();
    const log: number[] = [];
    const a = new Waiter();
    const b = new Waiter();
    const c = new Waiter();
    q.park(a, recorder(log, 0));
    q.park(b, recorder(log, 1));
    q.park(c, recorder(log, 2));
    expect(q.remove(b)).toBe(true);
    expect(b.state).toBe(IDLE);
    expect(q.remove(b)).toBe(false);
    q.check();
    q.notifyOne();
    q.notifyOne();
    expect(q.notifyOne()).toBeNull();
    expect(log).toEqual([0, 2]);
  });

  it("a re-park while waiting only refreshes the waker and keeps the place in line", () => {
    const q = new WaitQueue();
    const log: number[] = [];
    const a = new Waiter();
    const b = new Waiter();
    q.park(a, recorder(log, 0));
    q.park(b, recorder(log, 1));
    q.park(a, recorder(log, 10));
    expect(q.length).toBe(2);
    q.notifyOne();
    expect(log).toEqual([10]);
    q.check();
  });

  it("wakeAll wakes without a grant; notifyAll grants everyone", () => {
    const q = new WaitQueue();
    const log: number[] = [];
    const a = new Waiter();
    const b = new Waiter();
    q.park(a, recorder(log, 0));
    q.park(b, recorder(log, 1));
    expect(q.wakeAll()).toBe(2);
    expect([a.state, b.state]).toEqual([IDLE, IDLE]);
    q.park(a, recorder(log, 0));
    q.park(b, recorder(log, 1));
    expect(q.notifyAll()).toBe(2);
    expect([a.state, b.state]).toEqual([NOTIFIED, NOTIFIED]);
    expect(q.length).toBe(0);
    expect(log).toEqual([0, 1, 0, 1]);
    q.check();
  });

  it("wakeTagged wakes only the waiters with that tag, in order", () => {
    const q = new WaitQueue();
    const log: number[] = [];
    const ws = [0, 1, 2, 3].map((i) => {
      const w = new Waiter();
      w.tag = i % 2 === 0 ? "even" : "odd";
      q.park(w, recorder(log, i));
      return w;
    });
    expect(q.wakeTagged("even")).toBe(2);
    expect(log).toEqual([0, 2]);
    expect(q.length).toBe(2);
    expect(q.first).toBe(ws[1]);
    q.check();
  });

  it("stays consistent under random park / remove / notify sequences", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("park", "remove", "one", "all", "wake"), fc.nat(7)), {
          maxLength: 80,
        }),
        (ops) => {
          const q = new WaitQueue();
          const ws = Array.from({ length: 8 }, () => new Waiter());
          const model: Waiter[] = [];
          const woken: Waiter[] = [];
          const wakerOf = (w: Waiter) => ({ wake: () => woken.push(w) });
          for (const [op, i] of ops) {
            const w = ws[i] as Waiter;
            if (op === "park") {
              if (w.state === NOTIFIED) w.state = IDLE; // its poll took the grant
              if (w.state === IDLE) model.push(w);
              q.park(w, wakerOf(w));
            } else if (op === "remove") {
              const was = model.indexOf(w);
              expect(q.remove(w)).toBe(was >= 0);
              if (was >= 0) model.splice(was, 1);
            } else if (op === "one") {
              const expected = model.shift() ?? null;
              expect(q.notifyOne()).toBe(expected);
              if (expected !== null) expect(woken.at(-1)).toBe(expected);
            } else {
              const n = model.length;
              const before = woken.length;
              expect(op === "all" ? q.notifyAll() : q.wakeAll()).toBe(n);
              expect(woken.slice(before)).toEqual(model);
              model.length = 0;
            }
            q.check();
            expect(q.length).toBe(model.length);
            for (const x of model) expect(x.state).toBe(WAITING);
          }
        },
      ),
    );
  });
});
