/**
 * The timeline page in a real browser: Debian's Chromium, headless, driven by
 * playwright-core. It loads with no console errors, draws one row per task of
 * a known trace, zooms and shows hover details; screenshots go to test/output/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderTimelineHtml } from "../src/timeline/html.ts";
import { parseTraceText, type TraceEvent } from "../src/timeline/model.ts";
import { systemTool } from "./support/system-tool.js";

const chromiumTool = systemTool("chromium", "chromium");
const CHROMIUM = chromiumTool.path ?? "/usr/bin/chromium";
const output = fileURLToPath(new URL("./output/", import.meta.url));
const samplePath = fileURLToPath(new URL("./fixtures/sample.trace.json", import.meta.url));
const sample = parseTraceText(readFileSync(samplePath, "utf8")) as { traceEvents: TraceEvent[] };
const taskNames = sample.traceEvents
  .filter((e) => e.ph === "M" && e.name === "thread_name")
  .map((e) => e.args?.name as string);

describe.skipIf(chromiumTool.skip)("timeline page in Chromium", () => {
  let browser: BrowserContext;
  let errors: string[];

  beforeAll(async () => {
    mkdirSync(output, { recursive: true });
    browser = await chromium.launchPersistentContext(
      mkdtempSync(join(tmpdir(), "corio-chromium-")),
      {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 720 },
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      },
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string, name: string): Promise<Page> {
    const file = join(output, name);
    writeFileSync(file, html);
    const page = await browser.newPage();
    errors = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) errors.push(`network request: ${r.url()}`);
    });
    page.on("dialog", (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => "corioTimeline" in window);
    return page;
  }

  it("loads with no console errors and shows one row per task", async () => {
    const page = await open(
      renderTimelineHtml(sample, { title: "sample.trace.json" }),
      "timeline.html",
    );
    expect(await page.locator(".row-label").count()).toBe(taskNames.length);
    expect(await page.locator(".row-label .name").allTextContents()).toEqual(
      expect.arrayContaining(taskNames),
    );
    expect(await page.evaluate(() => (window as any).corioTimeline.rows)).toBe(taskNames.length);
    // The canvas drew something: it is not blank.
    const inked = await page.evaluate(() => {
      const c = document.getElementById("chart") as HTMLCanvasElement;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(1000);
    await page.screenshot({ path: join(output, "timeline.png") });
    expect(existsSync(join(output, "timeline.png"))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("zooms with the buttons and the wheel, and Fit shows everything again", async () => {
    const page = await open(renderTimelineHtml(sample), "timeline-zoom.html");
    const view = () => page.evaluate(() => (window as any).corioTimeline.view());
    const before = await view();
    await page.click("#zoom-in");
    const zoomed = await view();
    expect(zoomed.end - zoomed.start).toBeLessThan((before.end - before.start) * 0.6);
    await page.click("#zoom-fit");
    expect(await view()).toEqual(before);
    const box = (await page.locator("#chart").boundingBox())!;
    await page.mouse.move(box.x + box.width / 4, box.y + 60);
    await page.mouse.wheel(0, -400);
    const wheeled = await view();
    expect(wheeled.end - wheeled.start).toBeLessThan(before.end - before.start);
    expect(await page.locator("#range").textContent()).toMatch(/–/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("hovering a wait shows what the task waited on", async () => {
    const page = await open(renderTimelineHtml(sample), "timeline-hover.html");
    // The first task that waits, in the middle of its first wait.
    const target = await page.evaluate(() => {
      const tl = (JSON.parse(document.getElementById("trace-data")!.textContent!) as any).timeline;
      for (const row of tl.rows) {
        const wait = row.spans.find(
          (s: any) => s.kind === "wait" && s.end - s.start > tl.duration / 10,
        );
        if (wait !== undefined) return { row: row.index, name: row.name, wait };
      }
      return null;
    });
    expect(target).not.toBeNull();
    const label = (await page.locator(`.row-label[data-row="${target!.row}"]`).boundingBox())!;
    const x = await page.evaluate(
      (t) => (window as any).corioTimeline.xOf(t),
      (target!.wait.start + target!.wait.end) / 2,
    );
    await page.mouse.move(x, label.y + label.height / 2);
    const tooltip = page.locator("#tooltip");
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    const text = (await tooltip.textContent()) ?? "";
    expect(text).toContain(target!.name);
    expect(text).toContain(`waited`);
    expect(text).toContain(target!.wait.label);
    await page.screenshot({ path: join(output, "timeline-hover.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws an empty trace without errors", async () => {
    const page = await open(renderTimelineHtml({ traceEvents: [] }), "timeline-empty.html");
    expect(await page.locator(".row-label").count()).toBe(0);
    await page.click("#zoom-in");
    await page.mouse.move(700, 400);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows hostile task names as text", async () => {
    const evil = '</script><img src=x onerror="alert(1)"><b>bold</b>';
    const trace = {
      traceEvents: [
        { ph: "M", name: "thread_name", pid: 1, tid: 1, args: { name: evil } },
        { ph: "X", cat: "step", name: "step", pid: 1, tid: 1, ts: 0, dur: 10 },
        { ph: "X", cat: "wait", name: "<i>sleep</i>", pid: 1, tid: 1, ts: 10, dur: 100 },
        { ph: "X", cat: "step", name: "step", pid: 1, tid: 1, ts: 110, dur: 10 },
      ],
    };
    const page = await open(renderTimelineHtml(trace, { title: evil }), "timeline-names.html");
    expect(await page.locator(".row-label .name").textContent()).toBe(evil);
    expect(await page.locator("h1").textContent()).toBe(evil);
    expect(await page.locator("img, b, h1 *, #view i").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  /** A 60 s trace: a long-lived task, and a one-step task alive for 12 µs at 154 ms. */
  function longTrace(): { traceEvents: TraceEvent[] } {
    const traceEvents: TraceEvent[] = [
      { ph: "M", name: "thread_name", pid: 1, tid: 1, args: { name: "server" } },
      { ph: "M", name: "thread_name", pid: 1, tid: 2, args: { name: "blip" } },
    ];
    for (let t = 0; t < 60e6; t += 100_000) {
      traceEvents.push({ ph: "X", cat: "step", name: "step", pid: 1, tid: 1, ts: t, dur: 30 });
      traceEvents.push({
        ph: "X",
        cat: "wait",
        name: "sleep",
        pid: 1,
        tid: 1,
        ts: t + 30,
        dur: 99_970,
      });
    }
    traceEvents.push({ ph: "X", cat: "step", name: "step", pid: 1, tid: 2, ts: 154_000, dur: 12 });
    return { traceEvents };
  }

  it("axis labels never repeat, at every zoom into a long trace (precision follows the zoom)", async () => {
    const page = await open(renderTimelineHtml(longTrace()), "timeline-long.html");
    const windows: [number, number][] = [
      [0, 60e6], // everything
      [32.0e6, 33.0e6], // 1 s at 32 s
      [32.4e6, 32.41e6], // 10 ms
      [32.4e6, 32.4001e6], // 100 µs
      [32_400_000, 32_400_006], // a few µs: as close as it gets
    ];
    for (const [i, [start, end]] of windows.entries()) {
      const labels: string[] = await page.evaluate(
        ([s, e]) => {
          const tl = (window as any).corioTimeline;
          tl.setView(s, e);
          return tl.axisLabels();
        },
        [start, end],
      );
      expect(labels.length, `${start}–${end}`).toBeGreaterThanOrEqual(2);
      expect(new Set(labels).size, `${start}–${end}: ${labels.join(", ")}`).toBe(labels.length);
      const range = (await page.locator("#range").textContent()) ?? "";
      const [from, to] = range.split(" – ");
      expect(from, range).not.toBe(to);
      await page.screenshot({ path: join(output, `timeline-zoom-${i}.png`) });
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a row's tooltip says '1 step' and an alive range whose ends differ", async () => {
    const page = await open(renderTimelineHtml(longTrace()), "timeline-blip.html");
    expect(await page.locator('.row-label[data-row="1"]').getAttribute("title")).toMatch(
      /\n1 step, ran 12 µs/,
    );
    // Hover the blip's row away from its one step: the row summary.
    await page.evaluate(() => (window as any).corioTimeline.setView(0, 1e6));
    const label = (await page.locator('.row-label[data-row="1"]').boundingBox())!;
    const x = await page.evaluate(() => (window as any).corioTimeline.xOf(600_000));
    await page.mouse.move(x, label.y + label.height / 2);
    const tooltip = page.locator("#tooltip");
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    const text = (await page.locator("#tooltip > div").allTextContents()).join("\n");
    expect(text).toMatch(/^1 step, ran 12 µs in all$/m);
    const alive = /^alive (.+) – (.+?) \(12 µs\)$/m.exec(text);
    expect(alive, text).not.toBeNull();
    expect(alive?.[1]).not.toBe(alive?.[2]);
    expect(alive?.[1]).toBe("154.00 ms");
    expect(alive?.[2]).toBe("154.01 ms");
    await page.screenshot({ path: join(output, "timeline-blip.png") });
    expect(errors).toEqual([]);
    await page.close();
  });
});
