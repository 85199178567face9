/**
 * The timeline page: one self-contained HTML file (inline style, script and
 * data; no network, no external fonts) that draws a trace — one row per task,
 * bars where it ran, lines where it waited and on what, arrows for wakes —
 * with zoom and hover details. `corio trace TRACE.json -o timeline.html`
 * writes it; so does the tour.
 */
import { buildTimeline, formatDuration, type Timeline, type TraceFile } from "./model.js";
import { type PageData, timelinePage } from "./page-script.js";

export interface TimelinePageOptions {
  /** The page's title, e.g. the trace's file name. @default "corio timeline" */
  title?: string;
}

/** Renders `trace` (Chrome Trace Event JSON, parsed) as a self-contained HTML page. */
export function renderTimelineHtml(trace: TraceFile, options: TimelinePageOptions = {}): string {
  return timelineHtml(buildTimeline(trace), options);
}

/** The page for a timeline already built (see `buildTimeline`). */
export function timelineHtml(timeline: Timeline, options: TimelinePageOptions = {}): string {
  const title = options.title ?? "corio timeline";
  const data: PageData = { title, timeline };
  let steps = 0;
  for (const r of timeline.rows) steps += r.steps;
  const summary = `${timeline.rows.length} task${timeline.rows.length === 1 ? "" : "s"} · ${formatDuration(timeline.duration)} · ${steps} steps · ${timeline.wakes.length} wakes`;
  // In a <script> element only "</script" (and "<!--") can end it early: escape every "<".
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <div class="title"><h1>${escapeHtml(title)}</h1><span class="summary">${escapeHtml(summary)}</span></div>
  <div class="controls">
    <button id="zoom-in" type="button" title="Zoom in (+)">+</button>
    <button id="zoom-out" type="button" title="Zoom out (−)">−</button>
    <button id="zoom-fit" type="button" title="Show everything (0)">Fit</button>
    <span id="range" class="range"></span>
    <label><input id="show-wakes" type="checkbox" checked> wake arrows</label>
    <label><input id="show-spawns" type="checkbox" checked> spawn arrows</label>
  </div>
  <div class="legend">
    <span><i class="k-step"></i>ran (a step)</span>
    <span><i class="k-wait"></i>waited, on what</span>
    <span><i class="k-wake"></i>woke another task</span>
    <span><i class="k-spawn"></i>spawned a task</span>
    <span><i class="k-complete"></i>completed</span>
    <span><i class="k-cancel"></i>cancelled</span>
    <span><i class="k-fail"></i>failed</span>
    <span class="hint">wheel: zoom · drag or shift+wheel: pan · hover for details</span>
  </div>
</header>
<div id="view">
  <div id="sheet">
    <div id="labels"><div class="labels-head">task</div></div>
    <canvas id="chart"></canvas>
  </div>
</div>
<div id="tooltip" role="tooltip" hidden></div>
<script id="trace-data" type="application/json">${json}</script>
<script>
"use strict";
// Helpers a bundler may reference in the function's source text.
var __name = function (f) { return f; };
(${timelinePage.toString()})(JSON.parse(document.getElementById("trace-data").textContent));
</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

const STYLE = `
*, *::before, *::after { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #0f172a; background: #fff; }
header { padding: 10px 14px 8px; border-bottom: 1px solid #e2e8f0; background: #f8fafc; }
.title { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; }
h1 { font-size: 16px; margin: 0; font-weight: 600; }
.summary { color: #475569; }
.controls { display: flex; align-items: center; gap: 6px; margin-top: 8px; }
.controls button { font: inherit; min-width: 32px; padding: 2px 10px; border: 1px solid #cbd5e1; border-radius: 4px; background: #fff; cursor: pointer; }
.controls button:hover { background: #eef2ff; }
.controls label { margin-left: 12px; color: #334155; user-select: none; }
.range { margin-left: 8px; color: #334155; font-variant-numeric: tabular-nums; min-width: 150px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin-top: 8px; color: #334155; font-size: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; }
.legend .hint { color: #64748b; margin-left: auto; }
.k-step { width: 14px; height: 10px; background: #2563eb; }
.k-wait { width: 16px; height: 2px; background: #94a3b8; }
.k-wake { width: 16px; height: 2px; background: rgba(234, 88, 12, 0.8); }
.k-spawn { width: 16px; height: 0; border-top: 2px dashed rgba(100, 116, 139, 0.7); }
.k-complete { width: 8px; height: 8px; border-radius: 50%; background: #16a34a; }
.k-cancel { width: 8px; height: 8px; background: #d97706; }
.k-fail { width: 10px; height: 10px; background: linear-gradient(45deg, transparent 40%, #dc2626 40%, #dc2626 60%, transparent 60%), linear-gradient(-45deg, transparent 40%, #dc2626 40%, #dc2626 60%, transparent 60%); }
#view { flex: 1; overflow-y: auto; overflow-x: hidden; position: relative; }
#sheet { position: relative; min-height: 100%; }
#labels { position: absolute; left: 0; top: 0; bottom: 0; width: 240px; border-right: 1px solid #e2e8f0; background: #fff; z-index: 1; }
.labels-head { position: sticky; top: 0; height: 28px; line-height: 28px; padding-left: 8px; font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: #64748b; background: #fff; border-bottom: 1px solid #475569; z-index: 2; }
.labels-body { position: relative; }
.row-label, .group-label { position: absolute; left: 0; right: 0; display: flex; align-items: center; gap: 6px; padding-right: 8px; white-space: nowrap; overflow: hidden; }
.row-label .name { overflow: hidden; text-overflow: ellipsis; }
.row-label .tid { color: #94a3b8; font-size: 11px; font-variant-numeric: tabular-nums; }
.row-label.failed .name { color: #dc2626; }
.row-label.cancelled .name { color: #b45309; }
.group-label { padding-left: 8px; font-weight: 600; background: #eef2ff; color: #3730a3; overflow: visible; right: auto; min-width: 100%; }
#chart { position: sticky; top: 0; display: block; margin-left: 240px; cursor: crosshair; }
#chart.dragging { cursor: grabbing; }
#tooltip { position: fixed; z-index: 10; max-width: 420px; padding: 7px 10px; border-radius: 6px; background: #0f172a; color: #f8fafc; font-size: 12px; box-shadow: 0 4px 14px rgba(15, 23, 42, .3); pointer-events: none; }
#tooltip[hidden] { display: none; }
.tt-title { font-weight: 600; margin-bottom: 2px; }
.tt-kind.step { color: #93c5fd; }
.tt-kind.wait { color: #cbd5e1; }
.tt-line, .tt-arg { color: #e2e8f0; }
.tt-arg { font-family: ui-monospace, monospace; font-size: 11px; }
`;
