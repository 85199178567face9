/**
 * A streaming pipeline with backpressure end to end: read a file line by line
 * (`reader`), keep the lines that match, batch them (`chunks`: by count, or by
 * time so a slow trickle still goes out), and hand the batches through a
 * bounded channel to a writer task that appends them to another file.
 *
 * Nothing runs ahead: the writer takes a batch only when the previous one is
 * written, the channel holds at most `capacity` batches, a full channel makes
 * the batching side wait in `send`, and the file reader reads one chunk beyond
 * what has been asked for. Memory stays bounded however large the input is.
 *
 * Run: npx tsx examples/lines-pipeline.ts <input> <output> [substring]
 */
import { pathToFileURL } from "node:url";
import { type Coroutine, channel, chunks, filter, forEach, main, spawn } from "corio";
import { open, reader } from "corio/fs";

export interface PipelineOptions {
  input: string;
  output: string;
  /** Which lines to keep. */
  keep: (line: string) => boolean;
  /** The most lines in one write. @default 100 */
  batchSize?: number;
  /** How long a batch waits for more lines after its first, in ms. @default 50 */
  batchMs?: number;
  /** Batches waiting for the writer. @default 2 */
  capacity?: number;
  /** Called after each write with the batch size and the batches then waiting (for tests). */
  onWrite?: (lines: number, waiting: number) => void;
}

export interface PipelineResult {
  lines: number;
  batches: number;
}

export function* linesPipeline(options: PipelineOptions): Coroutine<PipelineResult> {
  const { input, output, keep, batchSize = 100, batchMs = 50, capacity = 2 } = options;
  const [tx, rx] = channel<string[]>(capacity);
  const lines = yield* reader(input);
  // The producer: lines → filter → batches → channel. Its send waits while the channel is full.
  const producer = spawn(function* () {
    try {
      yield* forEach(
        chunks(filter(lines, keep), { size: batchSize, timeMs: batchMs }),
        function* (batch) {
          yield* tx.send(batch);
        },
      );
    } finally {
      tx.close(); // the writer sees the end once it has drained the channel
    }
  });
  // The consumer, here: one write per batch.
  using out = yield* open(output, "w");
  const result: PipelineResult = { lines: 0, batches: 0 };
  yield* forEach(rx, function* (batch) {
    yield* out.write(`${batch.join("\n")}\n`);
    result.lines += batch.length;
    result.batches++;
    options.onWrite?.(batch.length, rx.statistics().length);
  });
  yield* producer; // rethrows a read error
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [input, output, needle = ""] = process.argv.slice(2);
  if (!input || !output) {
    console.error("usage: lines-pipeline <input> <output> [substring]");
    process.exit(2);
  }
  main(function* () {
    const r = yield* linesPipeline({ input, output, keep: (line) => line.includes(needle) });
    console.log(`${r.lines} lines in ${r.batches} batches`);
  });
}
