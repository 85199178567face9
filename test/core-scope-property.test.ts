/**
 * Property: random trees of cancel scopes (deadlines, cancels from a task
 * inside, shields, tasks spawned inside, bodies that throw), under the virtual
 * clock: every `finally` of a body that started runs exactly once, every thrown
 * error comes out of the run exactly once (no CancelledError of a scope
 * escapes), and no task spawned inside a scope is still running once the scope
 * has returned.
 */
import { type Coroutine, cancelScope, now, sleep, spawn, type Task } from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

interface Spawned {
  sleep: number;
  throws: boolean;
}

interface ScopeNode {
  deadline: number | null;
  cancelAfter: number | null;
  shield: boolean;
  sleep: number;
  throws: boolean;
  spawned: Spawned[];
  nested: ScopeNode[];
}

const spawnedArb = fc.record({ sleep: fc.integer({ min: 0, max: 30 }), throws: fc.boolean() });

const scopeArb: fc.Memo<ScopeNode> = fc.memo((depth) =>
  fc.record({
    deadline: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
    cancelAfter: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
    shield: fc.boolean(),
    sleep: fc.integer({ min: 0, max: 30 }),
    throws: fc.constantFrom(false, false, false, true),
    spawned: fc.array(spawnedArb, { maxLength: 2 }),
    nested: depth > 1 ? fc.array(scopeArb(depth - 1), { maxLength: 2 }) : fc.constant([]),
  }),
);

function flatten(error: unknown): unknown[] {
  if (error instanceof AggregateError) return error.errors.flatMap(flatten);
  return [error];
}

describe("random trees of cancel scopes", () => {
  it("every finally once, every error delivered once, no task outlives its scope", async () => {
    await fc.assert(
      fc.asyncProperty(scopeArb(3), fc.integer({ min: 0, max: 1000 }), async (tree, seed) => {
        let started = 0;
        let finallies = 0;
        const thrown: Error[] = [];
        const outlived: string[] = [];

        function* runScopeNode(node: ScopeNode): Coroutine<void> {
          const members: Task<unknown>[] = [];
          yield* cancelScope(function* (scope) {
            if (node.deadline !== null) scope.deadline = now() + node.deadline;
            scope.shield = node.shield;
            if (node.cancelAfter !== null) {
              const after = node.cancelAfter;
              spawn(function* () {
                yield* sleep(after);
                scope.cancel();
              });
            }
            for (const s of node.spawned) {
              members.push(
                spawn(function* () {
                  started++;
                  try {
                    yield* sleep(s.sleep);
                    if (s.throws) {
                      const e = new Error(`task ${thrown.length}`);
                      thrown.push(e);
                      throw e;
                    }
                  } finally {
                    finallies++;
                  }
                }),
              );
            }
            started++;
            try {
              for (const n of node.nested) yield* runScopeNode(n);
              yield* sleep(node.sleep);
              if (node.throws) {
                const e = new Error(`body ${thrown.length}`);
                thrown.push(e);
                throw e;
              }
            } finally {
              finallies++;
            }
          });
          for (const m of members) if (!m.isComplete) outlived.push(m.toString());
        }

        let delivered: unknown[] = [];
        try {
          await runTest(() => runScopeNode(tree), { seed });
        } catch (error) {
          delivered = flatten(error);
        }
        expect(finallies).toBe(started);
        expect(outlived).toEqual([]);
        // Each thrown error exactly once, and nothing else (no scope's CancelledError).
        expect(delivered.length).toBe(thrown.length);
        for (const e of thrown) expect(delivered.filter((d) => d === e).length).toBe(1);
      }),
      { numRuns: 150 },
    );
  });
});
