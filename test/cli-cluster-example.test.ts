/** examples/cpu-server.ts under `corio run --workers 2`: CPU-heavy requests computed by two copies at once. */
import { afterEach, describe, expect, it } from "vitest";
import { countPrimes } from "../examples/cpu-server.ts";
import { curl, killClusters, startCluster } from "./fixtures/cluster.ts";

afterEach(killClusters);

describe("examples/cpu-server.ts", () => {
  it("counts primes", () => {
    expect([0, 2, 3, 10, 100, 1_000_000].map(countPrimes)).toEqual([0, 0, 1, 4, 25, 78_498]);
  });

  it("two requests at once are computed by two copies (two pids); bad input is a 400; SIGTERM stops it", async () => {
    const cluster = startCluster(["run", "--workers", "2", "examples/cpu-server.ts", "--", "0"]);
    const serving = await cluster.lines(/^copy (\d+) serving (http:\S+)$/, 2);
    const base = serving[0]?.[2] as string;
    expect(serving[1]?.[2]).toBe(base);
    const answers = await Promise.all([
      curl(`${base}primes?below=5000000`),
      curl(`${base}primes?below=5000000`),
    ]);
    const results = answers.map((a) => JSON.parse(a));
    expect(results.map((r) => r.primes)).toEqual([348_513, 348_513]);
    expect(new Set(results.map((r) => String(r.pid)))).toEqual(
      new Set(serving.map((m) => m[1] as string)),
    );
    expect(await curl(`${base}primes?below=-5`)).toMatch(/below must be a whole number/);
    cluster.child.kill("SIGTERM");
    expect((await cluster.exited).code).toBe(143);
  });
});
