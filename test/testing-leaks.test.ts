/**
 * `runTest`'s leak check: what a test leaves open once its body and every task
 * it started have ended fails it with a `LeakError` naming each resource and
 * the line of this file that opened it — a listener, a connected or accepted
 * stream, a UDP socket, a File, a file reader, a running child process, a
 * signal stream, a worker job or a timer a hand-written future forgot — and
 * nothing is reported when each was closed, or with `{allowLeaks: true}`.
 * Real sockets over loopback, real files, a real child and a real thread.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Body, type DebugWarning, Event, type Future, race, run, sleep, spawn } from "corio";
import { open, reader } from "corio/fs";
import { pollFn } from "corio/lowlevel";
import { connect, listen, type TcpListener, udp } from "corio/net";
import { type Child, exec } from "corio/process";
import { signal } from "corio/signal";
import { LeakError, runTest, type TestOptions } from "corio/testing";
import { runInWorker, WorkerPool } from "corio/worker";
import { afterAll, describe, expect, it } from "vitest";

const SOURCE = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");

/** `test/testing-leaks.test.ts:<line>:` of the line whose comment is `// <marker>`. */
function lineOf(marker: string): string {
  const i = SOURCE.findIndex((l) => l.trimEnd().endsWith(`// ${marker}`));
  if (i < 0) throw new Error(`no line marked ${marker}`);
  return `test/testing-leaks.test.ts:${i + 1}:`;
}

/** Runs `body` under runTest, expecting a LeakError, and returns it. */
async function leakOf(body: Body<unknown>, options?: TestOptions): Promise<LeakError> {
  const outcome = await runTest(body, options).then(
    () => null,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(LeakError);
  return outcome as LeakError;
}

const dir = mkdtempSync(join(tmpdir(), "corio-leaks-"));
const dataFile = join(dir, "data.txt");
writeFileSync(dataFile, "hello\n");
const pool = new WorkerPool({ size: 1 });
afterAll(async () => {
  await run(function* () {
    yield* pool.shutdown();
  });
  rmSync(dir, { recursive: true, force: true });
});

describe("sockets", () => {
  it("a listener left open is named with the line that opened it", async () => {
    let listener: TcpListener | null = null;
    const error = await leakOf(function* () {
      listener = yield* listen({ host: "127.0.0.1", port: 0 }); // open: listener
    });
    const l = listener as unknown as TcpListener;
    try {
      expect(error.leaks).toEqual([
        {
          kind: "listener",
          description: String(l),
          at: expect.stringContaining(lineOf("open: listener")),
        },
      ]);
      expect(error.message).toContain(
        `listener ${String(l)}, opened at ${lineOf("open: listener")}`,
      );
      expect(error.message).toContain("{allowLeaks: true}");
      expect(error.seed).toBeUndefined();
      expect(error.message).not.toContain("seed");
    } finally {
      l.close();
    }
  });

  it("a connected stream and an accepted one left open are both named; the closed listener is not", async () => {
    const error = await leakOf(function* () {
      using listener = yield* listen({ host: "127.0.0.1", port: 0 });
      yield* connect(listener.address); // open: client
      const server = yield* listener.accept(); // open: accepted
      yield* server.write("hi");
    });
    const sites = Object.fromEntries(error.leaks.map((l) => [l.at?.replace(/\d+$/, ""), l.kind]));
    expect(sites).toEqual({
      [lineOf("open: client")]: "socket",
      [lineOf("open: accepted")]: "socket",
    });
    expect(error.message).toMatch(/^2 resources were still open when the test ended:\n/);
    expect(error.leaks.map((l) => l.description)).toEqual([
      expect.stringMatching(/^TcpStream\(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\)$/),
      expect.stringMatching(/^TcpStream\(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\)$/),
    ]);
  });

  it("streams closed by `using`, close() or abort() and a listener served to the end are not leaks", async () => {
    const value = await runTest(function* () {
      using listener = yield* listen({ host: "127.0.0.1", port: 0 });
      using client = yield* connect(listener.address);
      const server = yield* listener.accept();
      yield* client.write("ping");
      const got = (yield* server.readExact(4)).toString();
      server.abort();
      const other = yield* connect(listener.address);
      other.close();
      const third = yield* listener.accept();
      third.close();
      return got;
    });
    expect(value).toBe("ping");
  });

  it("a UDP socket left bound is named", async () => {
    const error = await leakOf(function* () {
      yield* udp.bind({ host: "127.0.0.1", port: 0 }); // open: udp
    });
    expect(error.leaks).toHaveLength(1);
    expect(error.leaks[0]?.kind).toBe("udp socket");
    expect(error.leaks[0]?.at).toContain(lineOf("open: udp"));
  });

  it("a server task cancelled at the end closes its listener and connection in its cleanup: no leak", async () => {
    const port = await runTest(function* () {
      let bound = 0;
      const ready = new Event();
      const server = spawn(function* () {
        using listener = yield* listen({ host: "127.0.0.1", port: 0 });
        bound = listener.address.port;
        ready.set();
        for (;;) {
          using conn = yield* listener.accept();
          yield* conn.write("bye");
        }
      });
      yield* ready.wait();
      using conn = yield* connect({ host: "127.0.0.1", port: bound });
      expect((yield* conn.readExact(3)).toString()).toBe("bye");
      server.cancel();
      return bound;
    });
    expect(port).toBeGreaterThan(0);
  });

  it("a task the body spawned names the line inside it that opened what it left open", async () => {
    const error = await leakOf(function* () {
      const task = spawn(function* () {
        return yield* listen({ host: "127.0.0.1", port: 0 }); // open: in task
      });
      yield* sleep(1);
      expect(task.isComplete).toBe(true);
    });
    expect(error.leaks.map((l) => l.at?.replace(/\d+$/, ""))).toEqual([lineOf("open: in task")]);
  });
});

describe("files", () => {
  it("a File and a reader left open are named; a File closed is not", async () => {
    const kept: { close(): void }[] = [];
    const error = await leakOf(function* () {
      const closed = yield* open(dataFile, "r");
      closed.close();
      const file = yield* open(dataFile, "r"); // open: file
      kept.push(file);
      expect(String(yield* file.read(5))).toBe("hello");
      const lines = yield* reader(dataFile); // open: reader
      kept.push(lines);
      expect(yield* lines.readLine()).toBe("hello");
    });
    for (const k of kept) k.close();
    expect(error.leaks.map((l) => [l.kind, l.at?.replace(/\d+$/, "")])).toEqual([
      ["file", lineOf("open: file")],
      ["file", lineOf("open: reader")],
    ]);
    expect(error.leaks[0]?.description).toBe(`File(${dataFile})`);
  });
});

describe("child processes", () => {
  it("a child still running is named; one that exited by itself is not", async () => {
    let running: Child | null = null;
    const error = await leakOf(function* () {
      const done = yield* exec(process.execPath, ["-e", ""], {
        stdout: "ignore",
        stderr: "ignore",
      });
      expect((yield* done.wait()).success).toBe(true);
      running = yield* exec(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]); // open: child
    });
    const child = running as unknown as Child;
    try {
      expect(error.leaks).toHaveLength(1);
      expect(error.leaks[0]?.kind).toBe("child process");
      expect(error.leaks[0]?.description).toBe(`Child(child ${child.pid} (${process.execPath}))`);
      expect(error.leaks[0]?.at).toContain(lineOf("open: child"));
    } finally {
      child.close();
    }
  });

  it("a child closed (with using) is not a leak", async () => {
    const pid = await runTest(function* () {
      using child = yield* exec(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
      return child.pid;
    });
    expect(pid).toBeGreaterThan(0);
  });
});

describe("signal streams", () => {
  it("a signal stream left open is named; one closed is not", async () => {
    let kept: { close(): void } | null = null;
    const error = await leakOf(function* () {
      signal("SIGUSR2").close();
      kept = signal("SIGUSR2"); // open: signal
      yield* sleep(0);
    });
    (kept as unknown as { close(): void }).close();
    expect(error.leaks).toEqual([
      {
        kind: "signal stream",
        description: "signal(SIGUSR2)",
        at: expect.stringContaining(lineOf("open: signal")),
      },
    ]);
  });
});

/**
 * A hand-written leaf future with a bug: it starts `inner` (a sleep, a worker
 * job) in its first poll and completes without cancelling it, so the inner
 * operation outlives every task.
 */
function forgetful(start: () => Future<unknown>): Future<void> {
  return pollFn((cx) => {
    start().poll(cx);
    return undefined;
  });
}

describe("what a dropped future left running", () => {
  it("a timer still filed is named; its line is given in debug mode, which records every sleep's", async () => {
    const plain = await leakOf(function* () {
      yield* forgetful(() => sleep(250));
    });
    // "sleep 250 ms" once a debug runtime in this process has made timers keep what they were asked.
    expect(plain.leaks).toEqual([
      {
        kind: "timer",
        description: expect.stringMatching(/^sleep (250 ms )?\(250 ms left\)$/),
        at: null,
      },
    ]);
    expect(plain.message).toMatch(
      /timer sleep (250 ms )?\(250 ms left\), opened at a line debug mode records \(\{debug: true\}\)/,
    );
    const debugged = await leakOf(
      function* () {
        yield* forgetful(() => sleep(250)); // open: timer
      },
      { debug: { onWarning: () => {} } },
    );
    expect(debugged.leaks).toEqual([
      {
        kind: "timer",
        description: "sleep 250 ms (250 ms left)",
        at: expect.stringContaining(lineOf("open: timer")),
      },
    ]);
  });

  it("a worker job still pending is named with the line that asked for it", async () => {
    const jobs = new URL("./fixtures/worker-jobs.mjs", import.meta.url);
    const error = await leakOf(function* () {
      const job = () => runInWorker(jobs, "spin", [50], { pool }); // open: job
      yield* forgetful(() => job().next().value as Future<unknown>);
    });
    expect(error.leaks).toEqual([
      {
        kind: "worker job",
        description: "worker job spin in worker-jobs.mjs",
        at: expect.stringContaining(lineOf("open: job")),
      },
    ]);
  });

  it("sleeps that completed, lost a race or were cancelled leave nothing", async () => {
    const value = await runTest(function* () {
      yield* sleep(10);
      const winner = yield* race([sleep(5), sleep(1000)]);
      const sleeper = spawn(function* () {
        yield* sleep(1000);
      });
      yield* sleep(1);
      sleeper.cancel();
      yield* sleep(1);
      return winner;
    });
    expect(value).toBe(undefined);
  });
});

describe("options and precedence", () => {
  it("allowLeaks: true resolves with the body's value whatever is left open", async () => {
    let listener: TcpListener | null = null;
    const value = await runTest(
      function* () {
        listener = yield* listen({ host: "127.0.0.1", port: 0 });
        yield* forgetful(() => sleep(100));
        return 7;
      },
      { allowLeaks: true },
    );
    (listener as unknown as TcpListener).close();
    expect(value).toBe(7);
  });

  it("under a seed the message names the seed", async () => {
    const error = await leakOf(
      function* () {
        yield* forgetful(() => sleep(5));
      },
      { seed: 1234 },
    );
    expect(error.seed).toBe(1234);
    expect(error.message).toMatch(
      /^1 resource was still open when the test ended \(seed 1234\):\n {2}timer sleep (5 ms )?\(5 ms left\)/,
    );
  });

  it("the body's own error is what the test fails with, not what it left open", async () => {
    let listener: TcpListener | null = null;
    const outcome = await runTest(function* () {
      listener = yield* listen({ host: "127.0.0.1", port: 0 });
      throw new Error("boom");
    }).catch((error: unknown) => error);
    (listener as unknown as TcpListener).close();
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe("boom");
  });

  it("plain run() does no leak check", async () => {
    let listener: TcpListener | null = null;
    const value = await run(function* () {
      listener = yield* listen({ host: "127.0.0.1", port: 0 });
      return 1;
    });
    (listener as unknown as TcpListener).close();
    expect(value).toBe(1);
  });
});

describe("debug mode reports the same list", () => {
  it("a run() with debug names what it left open and the line, as a leak warning", async () => {
    const warnings: DebugWarning[] = [];
    let listener: TcpListener | null = null;
    const debug = {
      slowStepMs: 10_000,
      starvationMs: 10_000,
      onWarning: (w: DebugWarning) => warnings.push(w),
    };
    await run(
      function* () {
        listener = yield* listen({ host: "127.0.0.1", port: 0 }); // open: debug listener
        yield* forgetful(() => sleep(100)); // open: debug timer
      },
      { debug },
    );
    (listener as unknown as TcpListener).close();
    const named = warnings.filter((w) => w.kind === "leak" && /opened at/.test(w.message));
    expect(named.map((w) => w.at?.replace(/\d+$/, ""))).toEqual([
      lineOf("open: debug timer"),
      lineOf("open: debug listener"),
    ]);
    expect(named[0]?.message).toContain("timers still filed");
    expect(named[0]?.message).toMatch(/timer sleep 100 ms \(\d+ ms left\), opened at/);
    expect(named[1]?.message).toContain(
      `listener ${String(listener)}, opened at ${lineOf("open: debug listener")}`,
    );
  });
});
