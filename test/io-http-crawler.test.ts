/** examples/crawler.ts: the areq exercise crawls its own site with bounded concurrency. */
import { run } from "corio";
import { describe, expect, it } from "vitest";
import { crawlSite } from "../examples/crawler.js";
import { settleHandles, tcpHandles } from "./io-http-helpers.js";

describe("examples/crawler", () => {
  it("crawls every page once, reports broken and slow links, never exceeds its concurrency", async () => {
    const before = tcpHandles();
    const lines: string[] = [];
    const outcome = await run(() =>
      crawlSite({
        pages: 30,
        concurrency: 4,
        pageTimeout: 3_000, // generous: a loaded CI machine can take 300 ms over a real page; /slow takes 10 s
        slowPage: 10_000,
        log: (l) => lines.push(l),
      }),
    );
    const expected = ["/", ...Array.from({ length: 30 }, (_, i) => `/page/${i}`)];
    expect([...outcome.visited].sort()).toEqual(expected.sort());
    expect(outcome.failed).toContainEqual({ path: "/slow", why: "timeout" });
    expect(outcome.failed).toContainEqual({ path: "/missing/4", why: "404" });
    // /page/5 answers 503 the first time: retried, then visited.
    expect(outcome.visited).toContain("/page/5");
    expect(outcome.failed.every((f) => f.why === "404" || f.path === "/slow")).toBe(true);
    expect(outcome.mostAtOnce).toBeGreaterThan(1);
    expect(outcome.mostAtOnce).toBeLessThanOrEqual(4);
    expect(lines[0]).toMatch(/^site on http:\/\/127\.0\.0\.1:\d+\//);
    expect(await settleHandles(before)).toBeLessThanOrEqual(before);
  });
});
