/**
 * Property: random trees of spawn / sleep / throw / cancel, run under many
 * scheduler seeds, always end with every task finished, every `finally` run
 * exactly once (for each body that started), and every thrown error delivered
 * exactly once (to a joiner's catch, or out of run()).
 */

import { CancelledError, type Coroutine, sleep, spawn, type Task } from "corio";
import { runTest } from "corio/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

interface Node {
  id: number;
  sleep: number;
  /** How the body ends once its work is done. */
  end: "return" | "throw" | "hang";
  /** Whether its finally throws (only when the body does not throw: JS would drop one). */
  finallyThrows: boolean;
  /** Whether the parent joins this child (catching its error). */
  joined: boolean;
  /** The parent cancels this child after this many ms, if set. */
  cancelAfter: number | null;
  children: Node[];
}

let nextId = 0;

const nodeArb: fc.Memo<Omit<Node, "id">> = fc.memo((depth) =>
  fc
    .record({
      sleep: fc.integer({ min: 0, max: 30 }),
      end: fc.constantFrom<Node["end"]>("return", "return", "throw", "hang"),
      finallyThrows: fc.boolean(),
      joined: fc.boolean(),
      cancelAfter: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
      children: depth > 1 ? fc.array(nodeArb(depth - 1), { maxLength: 3 }) : fc.constant([]),
    })
    .map(
      (n) => ({ ...n, finallyThrows: n.finallyThrows && n.end !== "throw" }) as Omit<Node, "id">,
    ),
);

function number(node: Omit<Node, "id">): Node {
  return {
    ...node,
    id: nextId++,
    children: node.children.map((c) => number(c as Omit<Node, "id">)),
  };
}

function flatten(error: unknown): unknown[] {
  if (error instanceof AggregateError) return error.errors.flatMap(flatten);
  return [error];
}

describe("random task trees", () => {
  it("finish every task, run every finally once, deliver every error once", async () => {
    await fc.assert(
      fc.asyncProperty(
        nodeArb(4),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (shape, seed) => {
          nextId = 0;
          // The root must end on its own: it neither hangs nor is cancelled.
          const root = number({
            ...shape,
            end: shape.end === "hang" ? "return" : shape.end,
            cancelAfter: null,
          });
          const started = new Set<number>();
          const finallies = new Map<number, number>();
          const thrown: Error[] = [];
          const delivered: unknown[] = [];
          const tasks: Task<unknown>[] = [];

          function* body(node: Node): Coroutine<string> {
            started.add(node.id);
            try {
              const kids = node.children.map((child) => {
                const task = spawn(() => body(child), { name: `n${child.id}` });
                tasks.push(task);
                return task;
              });
              node.children.forEach((child, i) => {
                if (child.cancelAfter === null) return;
                spawn(function* () {
                  yield* sleep(child.cancelAfter as number);
                  kids[i]?.cancel();
                });
              });
              yield* sleep(node.sleep);
              for (const [i, child] of node.children.entries()) {
                if (!child.joined) continue;
                try {
                  yield* kids[i] as Task<unknown>;
                } catch (error) {
                  if (!(error instanceof CancelledError)) delivered.push(...flatten(error));
                }
              }
              if (node.end === "throw") {
                const error = new Error(`body ${node.id}`);
                thrown.push(error);
                throw error;
              }
              if (node.end === "hang") yield* sleep(1e9);
              return `n${node.id}`;
            } finally {
              finallies.set(node.id, (finallies.get(node.id) ?? 0) + 1);
              if (node.finallyThrows) {
                const error = new Error(`finally ${node.id}`);
                thrown.push(error);
                throw error;
              }
            }
          }

          try {
            await runTest(() => body(root), { seed });
          } catch (error) {
            delivered.push(...flatten(error));
          }

          for (const task of tasks) expect(task.isComplete).toBe(true);
          const all: Node[] = [];
          const walk = (n: Node): void => {
            all.push(n);
            n.children.forEach(walk);
          };
          walk(root);
          for (const node of all) {
            expect(finallies.get(node.id) ?? 0).toBe(started.has(node.id) ? 1 : 0);
          }
          expect(new Set(delivered).size).toBe(delivered.length); // none delivered twice
          expect(delivered).toEqual(expect.arrayContaining(thrown)); // none lost
          expect(delivered.length).toBe(thrown.length); // nothing else made up
        },
      ),
      { numRuns: 300 },
    );
  });
});
