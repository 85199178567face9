/** examples/producer-consumer.ts, run under virtual time and seeded scheduling. */
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";
import { producerConsumer } from "../examples/producer-consumer.js";

describe("examples/producer-consumer", () => {
  for (const seed of [1, 2, 3, 42]) {
    it(`every token produced is processed exactly once (seed ${seed})`, async () => {
      const lines: string[] = [];
      const { produced, consumed } = await runTest(
        () => producerConsumer({ seed, log: (line) => lines.push(line) }),
        { seed },
      );
      expect(produced.length).toBeGreaterThan(0);
      expect([...consumed].sort()).toEqual([...produced].sort());
      const done = lines.findIndex((l) => l.includes("done producing"));
      expect(done).toBeGreaterThan(0);
      expect(lines.at(-1)).toMatch(/all \d+ tokens processed/);
    });
  }
});
