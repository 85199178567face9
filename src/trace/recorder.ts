/**
 * The trace recorder: what tracing keeps while a runtime runs, and its export
 * as Chrome Trace Event JSON (docs/observability.md, "Traces").
 *
 * The model
 * ---------
 * Recording must be cheap enough to leave on for a whole run, so it appends
 * fixed-size records of six numbers to preallocated Float64Array chunks (no
 * object per event, no copying as the trace grows);
 * strings (task names, what a wait was on, error messages) go to a side array
 * and records refer to them by index. Times are `performance.now()`
 * milliseconds; the export converts to the microseconds Chrome expects and
 * builds the event objects, once.
 *
 * Records (kind, tid, ts, a, b, c):
 *   SPAWN  tid  ts  parent id (-1: root)  name index   -
 *   STEP   tid  ts  duration              step number  -
 *   WAIT   tid  ts  duration              name index   woken by (task id > 0, or a WOKEN_* code)
 *   FLOW   tid  ts  from tid              from ts      FLOW_WAKE | FLOW_SPAWN
 *   END    tid  ts  state (END_*)         text index (-1: none)   -
 * A FLOW's `ts` is a moment inside the target's step (so it binds to it).
 *
 * Invariant: records of one task are appended in time order, and its STEP
 * and WAIT intervals never overlap (a wait starts at the end of the step
 * that parked, and ends at the wake, before the next step starts).
 */
import type { TraceEvent, TraceFile } from "../core/instrument.js";

const SPAWN = 0;
const STEP = 1;
const WAIT = 2;
const FLOW = 3;
const END = 4;
const WIDTH = 6;

/** Who ended a wait, when it was not a task of the traced runtime. */
export const WOKEN_TIMER = -1;
export const WOKEN_OUTSIDE = -2;
export const WOKEN_CANCEL = -3;
export const WOKEN_CHILDREN = -5;

export const FLOW_WAKE = 0;
export const FLOW_SPAWN = 1;

export const END_DONE = 0;
export const END_FAILED = 1;
export const END_CANCELLED = 2;

/** Records kept at most; later ones are counted in `otherData.dropped`. */
export const MAX_RECORDS = 1_000_000;

const END_NAMES = ["done", "failed", "cancelled"] as const;

/** A wait still open when the trace is taken: drawn up to that moment. */
export interface OpenWait {
  tid: number;
  since: number;
  name: string;
}

/** Records per chunk (8 Ki records: 384 KiB). */
const CHUNK = 1 << 13;

export class Recorder {
  /** Full chunks, then `#chunk`, filled up to `#pos` (in numbers). */
  readonly #chunks: Float64Array[] = [];
  #chunk = new Float64Array(CHUNK * WIDTH);
  #pos = 0;
  #count = 0;
  readonly #str: string[] = [];
  #dropped = 0;
  /** Events of worker runtimes (`spawnWorker`), already on this thread's time base. */
  readonly #foreign: TraceEvent[] = [];

  /** Adds a worker thread's events (their `ts` already moved to this thread's clock). */
  adopt(events: readonly TraceEvent[]): void {
    for (const e of events) this.#foreign.push(e);
  }

  #push(kind: number, tid: number, ts: number, a: number, b: number, c: number): void {
    if (this.#count >= MAX_RECORDS) {
      this.#dropped++;
      return;
    }
    let chunk = this.#chunk;
    let i = this.#pos;
    if (i === chunk.length) {
      this.#chunks.push(chunk);
      chunk = this.#chunk = new Float64Array(CHUNK * WIDTH);
      i = 0;
    }
    chunk[i] = kind;
    chunk[i + 1] = tid;
    chunk[i + 2] = ts;
    chunk[i + 3] = a;
    chunk[i + 4] = b;
    chunk[i + 5] = c;
    this.#pos = i + WIDTH;
    this.#count++;
  }

  #text(s: string): number {
    this.#str.push(s);
    return this.#str.length - 1;
  }

  spawn(tid: number, ts: number, parent: number, name: string): void {
    this.#push(SPAWN, tid, ts, parent, this.#text(name), 0);
  }

  step(tid: number, ts: number, dur: number, n: number): void {
    this.#push(STEP, tid, ts, dur, n, 0);
  }

  wait(tid: number, ts: number, dur: number, name: string, wokenBy: number): void {
    this.#push(WAIT, tid, ts, dur, this.#text(name), wokenBy);
  }

  flow(tid: number, ts: number, fromTid: number, fromTs: number, cat: number): void {
    this.#push(FLOW, tid, ts, fromTid, fromTs, cat);
  }

  end(tid: number, ts: number, state: number, text: string | null): void {
    this.#push(END, tid, ts, state, text === null ? -1 : this.#text(text), 0);
  }

  /** The trace in Chrome's JSON object format; `open` lists waits still in progress. */
  export(open: readonly OpenWait[], now: number): TraceFile {
    const pid = process.pid;
    const str = this.#str;
    const meta: TraceEvent[] = [
      { name: "process_name", ph: "M", pid, tid: 0, args: { name: "corio" } },
    ];
    const out: TraceEvent[] = [];
    let flowId = 0;
    for (const ev of [...this.#chunks, this.#chunk]) {
      const n = ev === this.#chunk ? this.#pos : ev.length;
      for (let i = 0; i < n; i += WIDTH) {
        const kind = ev[i] as number;
        const tid = ev[i + 1] as number;
        const ts = us(ev[i + 2] as number);
        const a = ev[i + 3] as number;
        const b = ev[i + 4] as number;
        const c = ev[i + 5] as number;
        switch (kind) {
          case SPAWN:
            meta.push(
              { name: "thread_name", ph: "M", pid, tid, args: { name: str[b] } },
              { name: "thread_sort_index", ph: "M", pid, tid, args: { sort_index: tid } },
            );
            out.push({
              name: "spawn",
              cat: "task",
              ph: "i",
              s: "t",
              ts,
              pid,
              tid,
              args: { parent: a < 0 ? null : a },
            });
            break;
          case STEP:
            out.push({
              name: "step",
              cat: "step",
              ph: "X",
              ts,
              dur: us(a),
              pid,
              tid,
              args: { n: b },
            });
            break;
          case WAIT:
            out.push({
              name: str[b] as string,
              cat: "wait",
              ph: "X",
              ts,
              dur: us(a),
              pid,
              tid,
              args: { wokenBy: wokenByName(c) },
            });
            break;
          case FLOW: {
            const id = ++flowId;
            const name = c === FLOW_SPAWN ? "spawn" : "wake";
            out.push(
              { name, cat: name, ph: "s", id, ts: us(b), pid, tid: a },
              { name, cat: name, ph: "f", bp: "e", id, ts, pid, tid },
            );
            break;
          }
          case END: {
            const state = END_NAMES[a] as string;
            const args: Record<string, unknown> = { state };
            if (b >= 0) args[state === "failed" ? "error" : "reason"] = str[b];
            out.push({ name: state, cat: "task", ph: "i", s: "t", ts, pid, tid, args });
            break;
          }
        }
      }
    }
    for (const w of open) {
      out.push({
        name: w.name,
        cat: "wait",
        ph: "X",
        ts: us(w.since),
        dur: us(Math.max(0, now - w.since)),
        pid,
        tid: w.tid,
        args: { wokenBy: "still waiting" },
      });
    }
    for (const e of this.#foreign) (e.ph === "M" ? meta : out).push(e);
    // Time order (stable: at equal times a slice comes before the flow that binds to it).
    out.sort((x, y) => (x.ts as number) - (y.ts as number));
    return {
      traceEvents: [...meta, ...out],
      displayTimeUnit: "ms",
      otherData: { producer: "corio", clock: "performance.now", dropped: this.#dropped },
    };
  }
}

/** Milliseconds to microseconds, kept to the nanosecond. */
function us(ms: number): number {
  return Math.round(ms * 1e6) / 1e3;
}

function wokenByName(code: number): number | string {
  if (code > 0) return code;
  switch (code) {
    case WOKEN_TIMER:
      return "timer";
    case WOKEN_CANCEL:
      return "cancel";
    case WOKEN_CHILDREN:
      return "children";
    default:
      return "outside";
  }
}
