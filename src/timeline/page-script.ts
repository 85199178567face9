/**
 * The timeline page's script. It runs in the browser, not in Node: `html.ts`
 * embeds its source text (`timelinePage.toString()`) in the page, so it must
 * be self-contained — no imports, nothing from module scope, only the DOM and
 * the data it is handed. Written in TypeScript so that it is typechecked with
 * the rest; the compiled function is what the page runs.
 *
 * Layout: a header (summary, zoom buttons, legend), then a scroll container
 * holding the task names as DOM rows on the left and one canvas on the right.
 * The canvas is `position: sticky`, as tall as the visible area: it redraws the
 * rows scrolled into view, so a trace with thousands of tasks costs what is
 * on screen. The wheel zooms around the pointer; dragging or shift+wheel pans;
 * the page scrolls the rows.
 */
import type { Row, Span, Timeline } from "./model.js";

/** What the page is handed (the JSON embedded in it). */
export interface PageData {
  title: string;
  timeline: Timeline;
}

/** The page's entry point, run in the browser with the embedded data. */
export function timelinePage(data: PageData): void {
  const ROW_H = 26;
  const GROUP_H = 26;
  const AXIS_H = 28;
  const PAD = 12;
  const STEP_H = 14;
  const COLORS = {
    step: "#2563eb",
    stepHover: "#1d4ed8",
    wait: "#94a3b8",
    waitText: "#64748b",
    wake: "rgba(234, 88, 12, 0.55)",
    wakeHot: "rgba(234, 88, 12, 1)",
    grid: "#e2e8f0",
    axis: "#475569",
    stripe: "#f8fafc",
    group: "#eef2ff",
    complete: "#16a34a",
    fail: "#dc2626",
    cancel: "#d97706",
    spawn: "#64748b",
    spawnFlow: "rgba(100, 116, 139, 0.45)",
    hover: "#fde68a",
  };

  const tl = data.timeline;
  const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const view = $<HTMLDivElement>("view");
  const sheet = $<HTMLDivElement>("sheet");
  const labels = $<HTMLDivElement>("labels");
  const canvas = $<HTMLCanvasElement>("chart");
  const tooltip = $<HTMLDivElement>("tooltip");
  const rangeText = $<HTMLSpanElement>("range");
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;

  // Same as model.ts's formatDuration (this script cannot import it).
  const trim = (x: number): string => {
    const abs = Math.abs(x);
    return String(Number(x.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2)));
  };
  const fmt = (us: number): string => {
    const abs = Math.abs(us);
    if (us === 0) return "0";
    if (abs >= 1e6) return `${trim(us / 1e6)} s`;
    if (abs >= 1e3) return `${trim(us / 1e3)} ms`;
    return `${trim(us)} µs`;
  };
  // A time whose precision follows `resolution` (µs): an axis tick zoomed into
  // a long trace reads "32.401 s", "32.402 s", not "32.4 s" three times.
  const fmtAt = (us: number, resolution: number): string => {
    if (us === 0) return "0";
    const abs = Math.abs(us);
    const [scale, unit] = abs >= 1e6 ? [1e6, "s"] : abs >= 1e3 ? [1e3, "ms"] : [1, "µs"];
    const r = resolution / scale;
    const decimals = r > 0 ? Math.min(6, Math.max(0, Math.ceil(-Math.log10(r) - 1e-9))) : 0;
    return `${(us / scale).toFixed(decimals)} ${unit}`;
  };
  // "a – b" with enough digits that the two ends differ when they do.
  const fmtRange = (a: number, b: number): string => {
    let resolution = Math.abs(b - a);
    if (resolution === 0) return `${fmt(a)} – ${fmt(b)}`;
    let from = fmtAt(a, resolution);
    let to = fmtAt(b, resolution);
    for (let i = 0; i < 3 && from === to; i++) {
      resolution /= 10;
      from = fmtAt(a, resolution);
      to = fmtAt(b, resolution);
    }
    return `${from} – ${to}`;
  };
  const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? "" : "s"}`;

  // ---------------------------------------------------------------- layout
  // Each line of the sheet is a group header or a task row, with its y offset.
  interface Line {
    y: number;
    h: number;
    row: Row | null;
    group: string;
  }
  const lines: Line[] = [];
  const rowY = new Map<number, number>(); // row index -> y of its middle, in sheet coordinates
  let y = 0;
  const showGroups = tl.groups.length > 1;
  for (const g of tl.groups) {
    if (showGroups) {
      lines.push({ y, h: GROUP_H, row: null, group: g.name || `process ${String(g.pid)}` });
      y += GROUP_H;
    }
    for (const i of g.rows) {
      const row = tl.rows[i] as Row;
      lines.push({ y, h: ROW_H, row, group: g.name });
      rowY.set(i, y + ROW_H / 2);
      y += ROW_H;
    }
  }
  const contentH = y;
  sheet.style.height = `${AXIS_H + contentH}px`;

  const labelsBody = document.createElement("div");
  labelsBody.className = "labels-body";
  for (const line of lines) {
    const el = document.createElement("div");
    el.style.top = `${line.y}px`;
    el.style.height = `${line.h}px`;
    if (line.row === null) {
      el.className = "group-label";
      el.textContent = line.group;
    } else {
      const r = line.row;
      el.className = `row-label${r.outcome === "failed" || r.outcome === "cancelled" ? ` ${r.outcome}` : ""}`;
      el.style.paddingLeft = `${8 + r.depth * 14}px`;
      el.dataset.row = String(r.index);
      el.dataset.tid = String(r.tid);
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = r.name;
      const id = document.createElement("span");
      id.className = "tid";
      id.textContent = `#${String(r.tid)}`;
      el.append(name, id);
      el.title = `${r.name} (task #${String(r.tid)})\n${plural(r.steps, "step")}, ran ${fmt(r.busy)}${r.outcome === null ? "" : `\nended: ${r.outcome}`}`;
    }
    labelsBody.append(el);
  }
  labels.append(labelsBody);

  // ---------------------------------------------------------------- view state
  const full = Math.max(tl.duration, 1);
  let viewStart = 0;
  let viewEnd = full;
  let width = 0; // css px of the canvas
  let height = 0;
  let hover: { row: Row; span: Span | null } | null = null;
  let showWakes = true;
  let showSpawns = true;

  const plotW = (): number => Math.max(1, width - 2 * PAD);
  const xOf = (t: number): number => PAD + ((t - viewStart) / (viewEnd - viewStart)) * plotW();
  const tOf = (x: number): number => viewStart + ((x - PAD) / plotW()) * (viewEnd - viewStart);

  const setView = (start: number, end: number): void => {
    const minSpan = Math.min(full, 2); // 2 µs is as close as it gets
    let span = Math.min(Math.max(end - start, minSpan), full * 1.02);
    if (!(span > 0)) span = full;
    let s = start;
    const lo = -full * 0.01;
    const hi = full * 1.01;
    if (s < lo) s = lo;
    if (s + span > hi) s = hi - span;
    viewStart = s;
    viewEnd = s + span;
    rangeText.textContent = fmtRange(Math.max(0, viewStart), Math.min(full, viewEnd));
    draw();
  };
  const zoom = (factor: number, atX: number): void => {
    const t = tOf(atX);
    setView(t - (t - viewStart) * factor, t + (viewEnd - t) * factor);
  };
  const fit = (): void => setView(-full * 0.01, full * 1.01);

  // ---------------------------------------------------------------- drawing
  const resize = (): void => {
    const dpr = window.devicePixelRatio || 1;
    width = Math.max(100, view.clientWidth - labels.offsetWidth);
    height = Math.min(view.clientHeight, AXIS_H + contentH);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw();
  };

  /** Index of the first span that ends at or after `t` (spans are sorted by start). */
  const firstVisible = (spans: Span[], t: number): number => {
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((spans[mid] as Span).start < t) lo = mid + 1;
      else hi = mid;
    }
    // Back up over spans that started earlier but may still be running at t.
    while (lo > 0 && (spans[lo - 1] as Span).end >= t) lo--;
    return Math.max(0, lo - 1);
  };

  const niceStep = (span: number, pixels: number): number => {
    const raw = (span / pixels) * 100; // a label every ~100 px
    const p = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  };

  function draw(): void {
    if (width === 0) return;
    const scroll = view.scrollTop;
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";

    // Rows (clipped below the axis).
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_H, width, height - AXIS_H);
    ctx.clip();
    const top = scroll;
    const bottom = scroll + height - AXIS_H;
    const step = niceStep(viewEnd - viewStart, plotW());
    let visibleIndex = 0;
    for (const line of lines) {
      if (line.y + line.h < top || line.y > bottom) {
        if (line.row !== null) visibleIndex++;
        continue;
      }
      const y0 = AXIS_H + line.y - scroll;
      if (line.row === null) {
        ctx.fillStyle = COLORS.group;
        ctx.fillRect(0, y0, width, line.h);
        continue;
      }
      if (visibleIndex++ % 2 === 1) {
        ctx.fillStyle = COLORS.stripe;
        ctx.fillRect(0, y0, width, line.h);
      }
      if (hover !== null && hover.row === line.row) {
        ctx.fillStyle = "rgba(253, 230, 138, 0.35)";
        ctx.fillRect(0, y0, width, line.h);
      }
    }
    // Grid lines under the spans.
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = Math.ceil(viewStart / step); i * step <= viewEnd; i++) {
      const x = Math.round(xOf(i * step)) + 0.5;
      ctx.moveTo(x, AXIS_H);
      ctx.lineTo(x, height);
    }
    ctx.stroke();

    for (const line of lines) {
      const r = line.row;
      if (r === null || line.y + line.h < top || line.y > bottom) continue;
      drawRow(r, AXIS_H + line.y - scroll + line.h / 2);
    }
    if (showSpawns) drawFlows(tl.spawns, scroll, false);
    if (showWakes) drawFlows(tl.wakes, scroll, true);
    ctx.restore();
    drawAxis(step);
  }

  function drawRow(r: Row, mid: number): void {
    const spans = r.spans;
    let lastStepX = Number.NEGATIVE_INFINITY;
    // Waits first (thin lines with their label), steps over them.
    for (let i = firstVisible(spans, viewStart); i < spans.length; i++) {
      const s = spans[i] as Span;
      if (s.start > viewEnd) break;
      if (s.kind !== "wait" || s.end < viewStart) continue;
      const x0 = Math.max(xOf(s.start), -10);
      const x1 = Math.min(xOf(s.end), width + 10);
      const hot = hover !== null && hover.span === s;
      ctx.fillStyle = hot ? COLORS.axis : COLORS.wait;
      ctx.fillRect(x0, mid - (hot ? 2 : 1), Math.max(1, x1 - x0), hot ? 4 : 2);
      const text = s.label;
      const room = x1 - x0 - 8;
      if (room > 24) {
        ctx.fillStyle = COLORS.waitText;
        const shown = fitText(text, room);
        if (shown !== "") ctx.fillText(shown, Math.max(x0, 0) + 4, mid - 7);
      }
    }
    for (let i = firstVisible(spans, viewStart); i < spans.length; i++) {
      const s = spans[i] as Span;
      if (s.start > viewEnd) break;
      if (s.kind !== "step" || s.end < viewStart) continue;
      const x0 = xOf(s.start);
      const w = Math.max(2, xOf(s.end) - x0);
      const hot = hover !== null && hover.span === s;
      if (!hot && x0 + w <= lastStepX + 0.5) continue; // under a pixel: already drawn
      ctx.fillStyle = hot ? COLORS.stepHover : COLORS.step;
      ctx.fillRect(x0, mid - STEP_H / 2, w, STEP_H);
      if (hot) {
        ctx.strokeStyle = "#0f172a";
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 - 1.5, mid - STEP_H / 2 - 1.5, w + 3, STEP_H + 3);
      }
      lastStepX = x0 + w;
    }
    for (const m of r.marks) {
      if (m.at < viewStart || m.at > viewEnd) continue;
      drawMark(m.kind, xOf(m.at), mid);
    }
  }

  function drawMark(kind: string, x: number, mid: number): void {
    ctx.lineWidth = 2;
    if (kind === "spawn") {
      ctx.fillStyle = COLORS.spawn;
      ctx.beginPath();
      ctx.moveTo(x - 5, mid - 9);
      ctx.lineTo(x, mid - 9);
      ctx.lineTo(x - 2.5, mid - 5);
      ctx.closePath();
      ctx.fill();
    } else if (kind === "done") {
      ctx.fillStyle = COLORS.complete;
      ctx.beginPath();
      ctx.arc(x + 4, mid, 3.5, 0, Math.PI * 2);
      ctx.fill();
    } else if (kind === "failed") {
      ctx.strokeStyle = COLORS.fail;
      ctx.beginPath();
      ctx.moveTo(x + 1, mid - 4);
      ctx.lineTo(x + 9, mid + 4);
      ctx.moveTo(x + 9, mid - 4);
      ctx.lineTo(x + 1, mid + 4);
      ctx.stroke();
    } else if (kind === "cancelled") {
      ctx.fillStyle = COLORS.cancel;
      ctx.fillRect(x + 1, mid - 4, 8, 8);
    }
  }

  function drawFlows(flows: Timeline["wakes"], scroll: number, wakes: boolean): void {
    const hotSpan = hover?.span ?? null;
    const hotRow = hover?.row ?? null;
    ctx.setLineDash(wakes ? [] : [3, 3]);
    for (const w of flows) {
      if (w.from === w.to) continue;
      if (Math.max(w.fromAt, w.toAt) < viewStart || Math.min(w.fromAt, w.toAt) > viewEnd) continue;
      const y0 = (rowY.get(w.from) as number) + AXIS_H - scroll;
      const y1 = (rowY.get(w.to) as number) + AXIS_H - scroll;
      const x0 = xOf(w.fromAt);
      const x1 = xOf(w.toAt);
      const hot =
        hotSpan !== null &&
        hotRow !== null &&
        ((hotRow.index === w.to && w.toAt >= hotSpan.start - 0.5 && w.toAt <= hotSpan.end + 0.5) ||
          (hotRow.index === w.from &&
            w.fromAt >= hotSpan.start - 0.5 &&
            w.fromAt <= hotSpan.end + 0.5));
      const dir = y1 > y0 ? 1 : -1;
      const ya = y0 + (dir * STEP_H) / 2;
      const yb = y1 - (dir * STEP_H) / 2;
      ctx.strokeStyle = wakes
        ? hot
          ? COLORS.wakeHot
          : COLORS.wake
        : hot
          ? COLORS.axis
          : COLORS.spawnFlow;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = hot ? 2 : 1.25;
      const bend = Math.min(40, Math.abs(yb - ya) / 2);
      ctx.beginPath();
      ctx.moveTo(x0, ya);
      ctx.bezierCurveTo(x0, ya + dir * bend, x1, yb - dir * bend, x1, yb);
      ctx.stroke();
      // Arrow head pointing at the woken task's step.
      ctx.beginPath();
      ctx.moveTo(x1, yb);
      ctx.lineTo(x1 - 3.5, yb - dir * 6);
      ctx.lineTo(x1 + 3.5, yb - dir * 6);
      ctx.closePath();
      ctx.fill();
    }
    ctx.setLineDash([]);
  }

  let axisLabels: string[] = [];
  function drawAxis(step: number): void {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, AXIS_H);
    ctx.strokeStyle = COLORS.axis;
    ctx.fillStyle = COLORS.axis;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, AXIS_H - 0.5);
    ctx.lineTo(width, AXIS_H - 0.5);
    axisLabels = [];
    // By index, not `t += step`: adding a small step to a large t drifts.
    const first = Math.ceil(viewStart / step);
    for (let i = first; i * step <= viewEnd; i++) {
      const t = i * step;
      const x = Math.round(xOf(t)) + 0.5;
      ctx.moveTo(x, AXIS_H - 6);
      ctx.lineTo(x, AXIS_H);
      ctx.textAlign = "center";
      const label = fmtAt(t, step);
      axisLabels.push(label);
      ctx.fillText(label, x, AXIS_H / 2 - 2);
    }
    ctx.stroke();
    ctx.textAlign = "left";
  }

  function fitText(text: string, room: number): string {
    if (ctx.measureText(text).width <= room) return text;
    let n = text.length;
    while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > room) n--;
    return n > 1 ? `${text.slice(0, n)}…` : "";
  }

  // ---------------------------------------------------------------- hover
  const lineAt = (clientY: number): Line | null => {
    const rect = canvas.getBoundingClientRect();
    const yy = clientY - rect.top - AXIS_H + view.scrollTop;
    if (clientY - rect.top < AXIS_H) return null;
    for (const line of lines) if (yy >= line.y && yy < line.y + line.h) return line;
    return null;
  };

  const spanAt = (r: Row, x: number): Span | null => {
    const t = tOf(x);
    const slack = ((viewEnd - viewStart) / plotW()) * 3; // 3 px either side
    let best: Span | null = null;
    for (let i = firstVisible(r.spans, t - slack); i < r.spans.length; i++) {
      const s = r.spans[i] as Span;
      if (s.start > t + slack) break;
      if (s.end < t - slack) continue;
      if (s.kind === "step") return s; // steps are small and drawn on top: they win
      if (best === null && s.start <= t && s.end >= t) best = s;
    }
    return best;
  };

  const describe = (r: Row, s: Span | null): HTMLElement[] => {
    const out: HTMLElement[] = [];
    const add = (cls: string, text: string): void => {
      const el = document.createElement("div");
      el.className = cls;
      el.textContent = text;
      out.push(el);
    };
    add("tt-title", r.name === `task#${String(r.tid)}` ? r.name : `${r.name}  #${String(r.tid)}`);
    if (s === null) {
      add("tt-line", `${plural(r.steps, "step")}, ran ${fmt(r.busy)} in all`);
      add(
        "tt-line",
        r.last > r.first
          ? `alive ${fmtRange(r.first, r.last)} (${fmt(r.last - r.first)})`
          : `alive at ${fmt(r.first)}`,
      );
      if (r.outcome !== null) add("tt-line", `ended: ${r.outcome}`);
      return out;
    }
    if (s.kind === "step") {
      add("tt-kind step", `ran for ${fmt(s.end - s.start)}`);
    } else {
      add("tt-kind wait", `waited ${fmt(s.end - s.start)} on ${s.label}`);
    }
    add("tt-line", `from ${fmtRange(s.start, s.end).replace(" – ", " to ")}`);
    if (s.kind === "step") {
      const wokenBy = tl.wakes.filter(
        (w) => w.to === r.index && w.toAt >= s.start - 0.5 && w.toAt <= s.end + 0.5,
      );
      const woke = tl.wakes.filter(
        (w) => w.from === r.index && w.fromAt >= s.start - 0.5 && w.fromAt <= s.end + 0.5,
      );
      const name = (i: number): string => (tl.rows[i] as Row).name;
      if (wokenBy.length > 0)
        add("tt-line", `woken by ${wokenBy.map((w) => name(w.from)).join(", ")}`);
      if (woke.length > 0) {
        const names = woke.map((w) => name(w.to));
        const shown =
          names.length > 6
            ? `${names.slice(0, 6).join(", ")} and ${names.length - 6} more`
            : names.join(", ");
        add("tt-line", `woke ${shown}`);
      }
    }
    if (s.args !== null) {
      for (const [k, v] of Object.entries(s.args)) {
        if (k === "wokenBy") {
          // A task id (a row of the same process), or "timer", "outside", "cancel", ...
          const by = tl.rows.find((o) => o.pid === r.pid && o.tid === v);
          add("tt-line", by !== undefined ? `woken by ${by.name}` : `woken by: ${String(v)}`);
        } else if (k !== "n") {
          add("tt-arg", `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
        }
      }
    }
    return out;
  };

  const showTooltip = (ev: MouseEvent): void => {
    const line = lineAt(ev.clientY);
    const rect = canvas.getBoundingClientRect();
    if (line === null || line.row === null) {
      hideTooltip();
      return;
    }
    const span = spanAt(line.row, ev.clientX - rect.left);
    const changed = hover === null || hover.row !== line.row || hover.span !== span;
    hover = { row: line.row, span };
    tooltip.replaceChildren(...describe(line.row, span));
    tooltip.hidden = false;
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    let left = ev.clientX + 14;
    let topY = ev.clientY + 14;
    if (left + tw > window.innerWidth - 4) left = ev.clientX - tw - 14;
    if (topY + th > window.innerHeight - 4) topY = ev.clientY - th - 14;
    tooltip.style.left = `${Math.max(4, left)}px`;
    tooltip.style.top = `${Math.max(4, topY)}px`;
    if (changed) draw();
  };
  const hideTooltip = (): void => {
    tooltip.hidden = true;
    if (hover !== null) {
      hover = null;
      draw();
    }
  };

  // ---------------------------------------------------------------- input
  let drag: { x: number; start: number; end: number } | null = null;
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const pan = ev.shiftKey ? ev.deltaY : ev.deltaX;
      if (pan !== 0 && (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY))) {
        const dt = (pan / plotW()) * (viewEnd - viewStart);
        setView(viewStart + dt, viewEnd + dt);
        return;
      }
      const scale = ev.deltaMode === 1 ? 40 : ev.deltaMode === 2 ? 400 : 1;
      zoom(Math.exp(ev.deltaY * scale * 0.002), ev.clientX - rect.left);
    },
    { passive: false },
  );
  canvas.addEventListener("mousedown", (ev) => {
    drag = { x: ev.clientX, start: viewStart, end: viewEnd };
    canvas.classList.add("dragging");
  });
  window.addEventListener("mousemove", (ev) => {
    if (drag !== null) {
      const dt = ((drag.x - ev.clientX) / plotW()) * (drag.end - drag.start);
      setView(drag.start + dt, drag.end + dt);
      return;
    }
    if (ev.target === canvas) showTooltip(ev);
  });
  window.addEventListener("mouseup", () => {
    drag = null;
    canvas.classList.remove("dragging");
  });
  canvas.addEventListener("mouseleave", () => {
    if (drag === null) hideTooltip();
  });
  view.addEventListener("scroll", () => {
    hideTooltip();
    draw();
  });
  window.addEventListener("resize", resize);
  window.addEventListener("keydown", (ev) => {
    if (ev.target instanceof HTMLInputElement) return;
    const span = viewEnd - viewStart;
    if (ev.key === "+" || ev.key === "=") zoom(0.7, PAD + plotW() / 2);
    else if (ev.key === "-" || ev.key === "_") zoom(1 / 0.7, PAD + plotW() / 2);
    else if (ev.key === "0") fit();
    else if (ev.key === "ArrowLeft") setView(viewStart - span * 0.2, viewEnd - span * 0.2);
    else if (ev.key === "ArrowRight") setView(viewStart + span * 0.2, viewEnd + span * 0.2);
    else return;
    ev.preventDefault();
  });
  $("zoom-in").addEventListener("click", () => zoom(0.5, PAD + plotW() / 2));
  $("zoom-out").addEventListener("click", () => zoom(2, PAD + plotW() / 2));
  $("zoom-fit").addEventListener("click", fit);
  $<HTMLInputElement>("show-wakes").addEventListener("change", (ev) => {
    showWakes = (ev.target as HTMLInputElement).checked;
    draw();
  });
  $<HTMLInputElement>("show-spawns").addEventListener("change", (ev) => {
    showSpawns = (ev.target as HTMLInputElement).checked;
    draw();
  });

  // For tests and the curious: where things are, and the current view.
  (window as unknown as { corioTimeline: unknown }).corioTimeline = {
    rows: tl.rows.length,
    xOf: (t: number) => canvas.getBoundingClientRect().left + xOf(t),
    view: () => ({ start: viewStart, end: viewEnd }),
    setView: (start: number, end: number) => setView(start, end),
    axisLabels: () => axisLabels.slice(),
  };

  fit();
  resize();
}
