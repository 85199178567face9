/**
 * Streams (issue 13): the per-item cost of `forEach` and of a `map`/`filter`
 * chain over a channel against a hand-written `recv()` loop, and `on(emitter)`
 * events/s against Node's `events.on` in plain async code — in the same
 * process, rounds interleaved, medians reported. Time is CPU time of the
 * process (user + system), since the machine is shared.
 *
 *   npm run build && node --import tsx bench/streams/run.ts [--rounds 7] [--items 200000]
 */
import { EventEmitter, on as nodeOn } from "node:events";
import { parseArgs } from "node:util";
import {
  type Coroutine,
  channel,
  filter,
  forEach,
  map,
  on,
  type Receiver,
  run,
  spawn,
} from "../../dist/index.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    items: { type: "string", default: "200000" },
  },
});
const ROUNDS = Number(values.rounds);
const N = Number(values.items);

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** Runs `consume` against a channel that a producer task fills with 0..N-1; returns CPU ns per item. */
async function overChannel(consume: (rx: Receiver<number>) => Coroutine<number>): Promise<number> {
  const t0 = cpuNs();
  const sum = await run(function* () {
    const [tx, rx] = channel<number>(256);
    spawn(function* () {
      for (let i = 0; i < N; i++) yield* tx.send(i);
      tx.close();
    });
    return yield* consume(rx);
  });
  const t = cpuNs() - t0;
  if (sum !== expectedSum) throw new Error(`checksum ${sum} != ${expectedSum}`);
  return t / N;
}

let expectedSum = 0;

const channelCases: Record<string, (rx: Receiver<number>) => Coroutine<number>> = {
  *"recv loop"(rx) {
    let sum = 0;
    for (;;) {
      const r = yield* rx.recv();
      if (r.done) return sum;
      sum += r.value;
    }
  },
  *"recv loop, generator body"(rx) {
    let sum = 0;
    const body = function* (n: number): Coroutine<void> {
      sum += n;
    };
    for (;;) {
      const r = yield* rx.recv();
      if (r.done) return sum;
      yield* body(r.value);
    }
  },
  *forEach(rx) {
    let sum = 0;
    yield* forEach(rx, function* (n) {
      sum += n;
    });
    return sum;
  },
  *"recv loop, map+filter by hand"(rx) {
    let sum = 0;
    for (;;) {
      const r = yield* rx.recv();
      if (r.done) return sum;
      const v = r.value * 2;
      if (v % 3 !== 0) sum += v;
    }
  },
  *"forEach(filter(map(rx)))"(rx) {
    let sum = 0;
    yield* forEach(
      filter(
        map(rx, (n) => n * 2),
        (v) => v % 3 !== 0,
      ),
      function* (v) {
        sum += v;
      },
    );
    return sum;
  },
};

const sums: Record<string, number> = {};
function sumFor(name: string): number {
  if (!(name in sums)) {
    let s = 0;
    for (let i = 0; i < N; i++) {
      if (name.includes("map")) {
        const v = i * 2;
        if (v % 3 !== 0) s += v;
      } else s += i;
    }
    sums[name] = s;
  }
  return sums[name];
}

/** Emits 0..N-1 on `emitter`, 1000 per macrotask, as an I/O source would. */
function produce(emitter: EventEmitter): void {
  let i = 0;
  const burst = (): void => {
    const end = Math.min(N, i + 1000);
    for (; i < end; i++) emitter.emit("data", i);
    if (i < N) setImmediate(burst);
  };
  setImmediate(burst);
}

const eventCases: Record<string, () => Promise<number>> = {
  async "events.on (for await)"() {
    const emitter = new EventEmitter();
    produce(emitter);
    let sum = 0;
    let n = 0;
    for await (const [v] of nodeOn(emitter, "data")) {
      sum += v as number;
      if (++n === N) break;
    }
    return sum;
  },
  async "corio on + forEach"() {
    const emitter = new EventEmitter();
    produce(emitter);
    return run(function* () {
      let sum = 0;
      let n = 0;
      const events = on<number>(emitter, "data");
      yield* forEach(events, function* (v) {
        sum += v;
        if (++n === N) events.close(); // as the other side's break
      });
      return sum;
    });
  },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results: Record<string, number[]> = {};
function record(name: string, ns: number): void {
  results[name] ??= [];
  results[name].push(ns);
}

// Warm-up at a tenth of the size is skipped for brevity; round 0 is discarded instead.
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, consume] of Object.entries(channelCases)) {
    expectedSum = sumFor(name);
    const ns = await overChannel(consume);
    if (round > 0) record(name, ns);
  }
  for (const [name, body] of Object.entries(eventCases)) {
    const t0 = cpuNs();
    const sum = await body();
    const ns = (cpuNs() - t0) / N;
    if (sum !== sumFor("plain")) throw new Error(`${name}: checksum`);
    if (round > 0) record(name, ns);
  }
}

console.log(`Node ${process.version}; ${N} items; ${ROUNDS} rounds; CPU ns per item (median, min)`);
for (const [name, xs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(32)} ${median(xs).toFixed(1).padStart(8)} ${Math.min(...xs)
      .toFixed(1)
      .padStart(8)}`,
  );
}
const r = (a: string, b: string) => (median(results[a]) / median(results[b])).toFixed(2);
console.log(`forEach / recv loop: ${r("forEach", "recv loop")}×`);
console.log(
  `forEach / recv loop with a generator body: ${r("forEach", "recv loop, generator body")}×`,
);
console.log(
  `map+filter chain / by hand: ${r("forEach(filter(map(rx)))", "recv loop, map+filter by hand")}×`,
);
console.log(
  `events/s: corio on ${(1e9 / median(results["corio on + forEach"])).toFixed(0)}, events.on ${(1e9 / median(results["events.on (for await)"])).toFixed(0)} (CPU-time rates); corio/events.on cost ${r("corio on + forEach", "events.on (for await)")}×`,
);
