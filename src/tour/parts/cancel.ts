/** Part 5: a timeout cancels a slow task; its finally runs asynchronous cleanup first. */
import { type Coroutine, sleep, TimeoutError, timeout } from "../../index.js";
import { type Part, seconds } from "../kit.js";

function* slowDownload(say: (text: string) => void): Coroutine<string> {
  try {
    say("download: started, will take 10 s");
    yield* sleep(10_000);
    return "the file"; // never reached
  } finally {
    // Cleanup that itself waits (closing a connection, flushing a file).
    say("download: cancelled; cleanup started (an asynchronous close, 100 ms)");
    yield* sleep(100);
    say("download: cleanup finished");
  }
}

export const cancel: Part = {
  title: "5. Cancellation",
  intro:
    "A timeout of 300 ms around a 10 s download. When time is up the runtime cancels the " +
    "download at the point where it waits: its `finally` runs, and may itself wait.",
  async run({ p, runtime, timeline }) {
    p.code(
      "try { yield* timeout(300, slowDownload); }\n" +
        "catch (e) { if (e instanceof TimeoutError) ... }\n" +
        "function* slowDownload() { try { yield* sleep(10_000); } finally { yield* sleep(100); } }",
    );
    p.line();
    const start = performance.now();
    const at = (): string => p.dim(`[${seconds(start)}]`);
    const say = (text: string): void => p.line(`  ${at()} ${text}`);
    const rt = runtime();
    rt.spawn(
      function* () {
        try {
          yield* timeout(300, () => slowDownload(say));
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          say("main: caught TimeoutError — only now, after the cleanup had finished");
        }
      },
      { name: "main" },
    );
    await rt.run();
    p.line();
    timeline(rt);
    p.line();
    p.notice(
      "timeout() ran the download as a child task (timeout[0]) racing a timer (timeout[1]). " +
        "The cancel arrived at the sleep, the download's only suspension point; its finally " +
        "ran and waited 100 ms, and timeout() returned only after that — no cleanup is cut " +
        "off, nothing is left running. Python: asyncio.timeout() and CancelledError; Tokio: " +
        "dropping the future (but a Rust drop cannot wait).",
    );
  },
};
