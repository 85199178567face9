/**
 * The names each file's examples take as given: `conn` in src/net/stream.ts's
 * examples is a connected TCP stream, `tx`/`rx` in src/sync/channel.ts's a
 * channel's ends. A scene sets its names up for real (loopback sockets, files
 * in a temporary folder, child processes) and runs one example with them, then
 * cleans up. A file without a scene gets nothing: its examples must stand alone.
 *
 * An example that runs until cancelled (a server, a loop over a signal) is run
 * as a task that the scene cancels once it has seen the example work: `until`.
 * A scene may give `console`, to read what the example prints, and files that
 * examples find beside themselves (a worker module).
 */
import { type ChildProcess, spawn as spawnProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Barrier,
  type Body,
  broadcast,
  CancelledError,
  Condition,
  type Coroutine,
  call,
  channel,
  Event,
  Mutex,
  Notify,
  oneshot,
  Queue,
  type Receiver,
  Runtime,
  RwLock,
  Semaphore,
  type Sender,
  sleep,
  spawn,
  type Task,
  watch,
} from "corio";
import { fetch, serve, text } from "corio/http";
import type { Context } from "corio/lowlevel";
import {
  connect,
  listen,
  nodeTransport,
  type RawListener,
  type TcpListener,
  type TcpStream,
  type Transport,
  type UdpSocket,
  udp,
  withTransport,
} from "corio/net";
import { type Child, exec } from "corio/process";
import { type SignalStream, signal } from "corio/signal";
import { waitIdle } from "corio/testing";
import { type WorkerReceiver, type WorkerSender, workerChannel } from "corio/worker";
import { expect } from "vitest";

/**
 * Sets up the names of `G` and runs `example` with them; `names` lists them at
 * run time. `realTime`: run on the real clock, for scenes with sockets or
 * processes (the virtual clock stands still while I/O is pending, so a sleep
 * in a request handler would never end).
 */
export interface Scene<G extends object> {
  names: readonly (keyof G & string)[];
  realTime: boolean;
  /**
   * Files written next to the example's module, for examples that name one
   * beside themselves (`new URL("./hash.js", import.meta.url)`).
   */
  files: Readonly<Record<string, string>>;
  run(example: (given: G) => Coroutine<unknown>): Coroutine<void>;
}

function scene<G extends object>(
  names: readonly (keyof G & string)[],
  run: (example: (given: G) => Coroutine<unknown>) => Coroutine<void>,
  options: { realTime?: boolean; files?: Record<string, string> } = {},
): Scene<G> {
  return { names, run, realTime: options.realTime ?? false, files: options.files ?? {} };
}

const REAL_TIME = { realTime: true };

/** For examples that need nothing given. */
export const noScene: Scene<object> = scene<object>([], function* (example) {
  yield* example({});
});

/**
 * Runs `example` as a task until it ends or `done` is set (by a given the
 * example calls, or by `drive`); then cancels it if it still runs and waits for
 * its cleanup. Fails with the example's error.
 */
function* until(
  example: Coroutine<unknown>,
  done: Event,
  drive: (task: Task<unknown>) => Coroutine<void> = function* () {},
): Coroutine<void> {
  const task = spawn(
    function* () {
      try {
        return yield* example;
      } finally {
        done.set();
      }
    },
    { name: "example" },
  );
  yield* drive(task);
  yield* done.wait();
  task.cancel("the scene has seen it work");
  try {
    yield* task;
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
  }
}

/** A console whose `log` lines the scene can read. */
function capturingConsole(): { console: Console; lines: string[]; printed: Event } {
  const lines: string[] = [];
  const printed = new Event();
  const log = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
    printed.set();
  };
  return { console: { ...console, log } as Console, lines, printed };
}

/** A fresh temporary folder, made the current directory while `body` runs. */
function* inTempDir<T>(files: Record<string, string>, body: () => Coroutine<T>): Coroutine<T> {
  const dir = mkdtempSync(join(tmpdir(), "corio-doc-example-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return yield* body();
  } finally {
    process.chdir(previous);
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = {
  "config.json": '{"retries": 3}\n',
  "data.bin": "0123456789abcdefghij",
  "log.txt": "",
  "access.log": "GET / 200 12\nGET /x 500 0\nGET /y 404 0\nGET /z 500 0\n",
  "build/out.js": "",
};

/**
 * A loopback TCP connection whose peer sends one frame (a 4-byte big-endian
 * length, then that many bytes of text, ending in a newline), shuts down its
 * side, and reads (and drops) whatever comes until end of stream.
 */
function* withConnection<T>(body: (conn: TcpStream) => Coroutine<T>): Coroutine<T> {
  using listener = yield* listen({ host: "127.0.0.1", port: 0 });
  const peer = spawn(
    function* () {
      using conn = yield* listener.accept();
      const text = Buffer.from("hello from the peer\n");
      const header = Buffer.alloc(4);
      header.writeUInt32BE(text.length, 0);
      yield* conn.write(Buffer.concat([header, text]));
      yield* conn.shutdown();
      try {
        while ((yield* conn.read()) !== null) {}
      } catch (error) {
        // conn.abort()'s example resets the connection: that is what it shows.
        if ((error as { code?: string }).code !== "ECONNRESET") throw error;
      }
    },
    { name: "peer" },
  );
  using conn = yield* connect({ host: "127.0.0.1", port: portOf(listener) });
  const result = yield* body(conn);
  conn.close();
  yield* peer;
  return result;
}

function portOf(listener: TcpListener): number {
  const address = listener.address;
  if (!("port" in address)) throw new Error("not a TCP listener");
  return address.port;
}

function* node(script: string): Coroutine<Child> {
  return yield* exec(process.execPath, ["-e", script]);
}

/** Something to do that takes a little (virtual) time and returns `value`. */
function after<T>(ms: number, value: T): () => Coroutine<T> {
  return function* () {
    yield* sleep(ms);
    return value;
  };
}

/** A local HTTP server for the examples that fetch: `/` says hello, `/hello` too. */
function* withHttpServer<T>(body: (origin: string, port: number) => Coroutine<T>): Coroutine<T> {
  const listening = new Event();
  let port = 0;
  const server = spawn(
    () =>
      serve(
        {
          port: 0,
          onListen: (address) => {
            port = address.port;
            listening.set();
          },
        },
        function* (req) {
          return new Response(`hello from ${new URL(req.url).pathname}\n`);
        },
      ),
    { name: "server" },
  );
  yield* listening.wait();
  try {
    return yield* body(`http://127.0.0.1:${port}`, port);
  } finally {
    server.cancel();
    try {
      yield* server;
    } catch (error) {
      if (!(error instanceof CancelledError)) throw error;
    }
  }
}

/**
 * The pid of a corio program (test/fixtures/trace-ps-program.ts) running in its
 * own process, with a known task tree. Started once, for every example that
 * reads a live process, and killed when this process exits.
 */
let corioProcess: Promise<number> | null = null;
const started: ChildProcess[] = [];
function corioProcessPid(): Promise<number> {
  corioProcess ??= new Promise<number>((resolve, reject) => {
    const program = fileURLToPath(new URL("../fixtures/trace-ps-program.ts", import.meta.url));
    const child = spawnProcess(process.execPath, ["--import", "tsx", program, "tree"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    started.push(child);
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve(child.pid as number);
    });
    child.on("exit", (code) => reject(new Error(`the corio program exited (${code})`)));
  });
  return corioProcess;
}

/**
 * The pid of that program, once it will answer a new request: a process answers
 * one burst of SIGURG (signals within 10 ms) once, so a request sent right after
 * the previous example's would go unanswered (src/trace/inspect.ts).
 */
function* corioProcessReady(): Coroutine<number> {
  const pid = yield* call(corioProcessPid);
  yield* call(() => new Promise((resolve) => setTimeout(resolve, 50)));
  return pid;
}

/** Ends what the scenes started once for several examples. */
export function stopScenes(): void {
  for (const child of started.splice(0)) child.kill("SIGKILL");
  corioProcess = null;
}

/**
 * A user's worker module beside the examples: `sha256` for `runInWorker` and
 * `WorkerPool.run`, a default-exported coroutine for `spawnWorker`.
 */
const hashJs = `import { createHash } from "node:crypto";
export function sha256(data) {
  return createHash("sha256").update(typeof data === "string" ? data : new Uint8Array(data)).digest("hex");
}
export default function* hash(path) {
  return sha256(path);
}
`;

/** A worker module that sends two lines down the channel it is given, then closes it. */
const producerJs = `export default function* produce(tx) {
  yield* tx.send("one");
  yield* tx.send("two");
  tx.close();
}
`;

export const scenes = {
  "combinators/all": scene<{
    fetchA: () => Coroutine<string>;
    fetchB: () => Coroutine<number>;
    mayFail: () => Coroutine<string>;
    alsoMayFail: () => Coroutine<string>;
  }>(["fetchA", "fetchB", "mayFail", "alsoMayFail"], function* (example) {
    yield* example({
      fetchA: after(20, "a"),
      fetchB: after(10, 2),
      mayFail: after(5, "fine"),
      alsoMayFail: function* () {
        yield* sleep(1);
        throw new Error("failed");
      },
    });
  }),

  "combinators/race": scene<{
    fromCache: () => Coroutine<string>;
    fromNetwork: () => Coroutine<string>;
    askMirror1: () => Coroutine<string>;
    askMirror2: () => Coroutine<string>;
    rx: Receiver<string>;
  }>(["fromCache", "fromNetwork", "askMirror1", "askMirror2", "rx"], function* (example) {
    const [tx, rx] = channel<string>(1);
    tx.trySend("message");
    yield* example({
      fromCache: after(1, "cached"),
      fromNetwork: after(50, "fresh"),
      askMirror1: function* () {
        yield* sleep(1);
        throw new Error("mirror 1 is down");
      },
      askMirror2: after(30, "mirror 2"),
      rx,
    });
  }),

  "core/runtime": scene<{ runtime: Runtime; console: Console }>(
    ["runtime", "console"],
    function* (example) {
      const { console, lines } = capturingConsole();
      const runtime = new Runtime();
      runtime.spawn(after(250, "done"), { name: "worker" });
      runtime.step();
      yield* example({ runtime, console });
      expect(lines.length).toBeGreaterThan(0);
    },
  ),

  "core/spawn": scene<{ flushToDisk: () => Coroutine<void> }>(["flushToDisk"], function* (example) {
    yield* example({ flushToDisk: after(5, undefined) });
  }),

  "core/task-group": scene<{ urls: string[]; fetchOne: (url: string) => Coroutine<string> }>(
    ["urls", "fetchOne"],
    function* (example) {
      const fetched: string[] = [];
      yield* example({
        urls: ["/a", "/b", "/c"],
        *fetchOne(url) {
          yield* sleep(10);
          fetched.push(url);
          return url;
        },
      });
      expect(fetched.sort()).toEqual(["/a", "/b", "/c"]);
    },
  ),

  "core/task": scene<{ task: Task<string>; worker: () => Coroutine<void> }>(
    ["task", "worker"],
    function* (example) {
      const task = spawn(after(10, "ok"), { name: "fetcher" });
      yield* example({ task, worker: after(1000, undefined) });
      task.cancel();
    },
  ),

  "fs/file": scene<{ file: import("corio/fs").File; out: Buffer[] }>(
    ["file", "out"],
    function* (example) {
      const { open } = yield* call(() => import("corio/fs"));
      yield* inTempDir(files, function* () {
        using file = yield* open("data.bin", "r+");
        yield* example({ file, out: [] });
      });
    },
  ),

  "fs/files": scene<object>([], function* (example) {
    yield* inTempDir(files, () => example({}));
  }),

  "fs/reader": scene<object>([], function* (example) {
    yield* inTempDir(files, () => example({}));
  }),

  "http/body": scene<{ url: string; request: Request }>(
    ["url", "request"],
    function* (example) {
      yield* withHttpServer(function* (origin) {
        const request = new Request(`${origin}/names`, {
          method: "POST",
          body: JSON.stringify({ name: "corio" }),
        });
        yield* example({ url: `${origin}/`, request });
      });
    },
    REAL_TIME,
  ),

  "http/fetch": scene<{ url: string; port: number }>(
    ["url", "port"],
    function* (example) {
      yield* withHttpServer(function* (origin, port) {
        yield* example({ url: `${origin}/page`, port });
      });
    },
    REAL_TIME,
  ),

  // The examples serve forever: run each until a real client got its answer.
  "http/response": scene<{ console: Console }>(
    ["console"],
    function* (example) {
      yield* serveUntilFetched(example);
    },
    REAL_TIME,
  ),
  "http/serve": scene<{ console: Console }>(
    ["console"],
    function* (example) {
      yield* serveUntilFetched(example);
    },
    REAL_TIME,
  ),

  "net/connect": scene<{ port: number }>(
    ["port"],
    function* (example) {
      using listener = yield* listen({ host: "127.0.0.1", port: 0 });
      const peer = spawn(function* () {
        using conn = yield* listener.accept();
        expect(yield* conn.readLine()).toBe("ping");
      });
      yield* example({ port: portOf(listener) });
      yield* peer;
    },
    REAL_TIME,
  ),

  // The module's opening example serves forever on a port it does not print: it
  // runs over Node's sockets through a transport that tells the scene where it
  // listens, and a real client checks that it echoes.
  "net/index": scene<object>(
    [],
    function* (example) {
      const listening = new Event();
      let raw: RawListener | null = null;
      const transport: Transport = {
        ...nodeTransport,
        listen(target, sink) {
          raw = nodeTransport.listen(target, {
            listening: () => {
              sink.listening();
              listening.set();
            },
            connection: (stream) => sink.connection(stream),
            error: (error) => sink.error(error),
          });
          return raw;
        },
      };
      const done = new Event();
      yield* until(
        withTransport(transport, () => example({})),
        done,
        function* () {
          yield* listening.wait();
          const address = (raw as RawListener | null)?.address();
          if (!address || !("port" in address)) throw new Error("not listening on TCP");
          using conn = yield* connect({ host: "127.0.0.1", port: address.port });
          yield* conn.write("echo\n");
          expect(yield* conn.readLine()).toBe("echo");
          done.set();
        },
      );
    },
    REAL_TIME,
  ),

  "net/listener": scene<{
    listener: TcpListener;
    handle: (conn: TcpStream) => Coroutine<void>;
  }>(
    ["listener", "handle"],
    function* (example) {
      using listener = yield* listen({ host: "127.0.0.1", port: 0 });
      const client = spawn(
        function* () {
          try {
            using conn = yield* connect({ host: "127.0.0.1", port: portOf(listener) });
            yield* conn.write("echo me\n");
            yield* conn.shutdown();
            // The examples that answer echo; the others close: either way it ends.
            yield* conn.readAll();
          } catch (error) {
            // The examples that close the listener (or make their own) refuse or reset us.
            const code = (error as { code?: string }).code;
            if (code !== "ECONNREFUSED" && code !== "ECONNRESET") throw error;
          }
          listener.close(); // ends the examples that serve until the listener closes
        },
        { name: "client" },
      );
      yield* example({
        listener,
        *handle(conn) {
          conn.close();
        },
      });
      listener.close();
      yield* client;
    },
    REAL_TIME,
  ),

  "net/stream": scene<{ conn: TcpStream; child: Child; request: string }>(
    ["conn", "child", "request"],
    function* (example) {
      yield* withConnection(function* (conn) {
        using child = yield* node("process.stdout.write('output of the child')");
        yield* example({ conn, child, request: "GET\n" });
        yield* child.wait();
      });
    },
    REAL_TIME,
  ),

  "net/udp": scene<{ socket: UdpSocket }>(
    ["socket"],
    function* (example) {
      using socket = yield* udp.bind({ host: "127.0.0.1", port: 0 });
      using other = yield* udp.bind({ host: "127.0.0.1", port: 0 });
      yield* other.send("hello", socket.address);
      yield* example({ socket });
    },
    REAL_TIME,
  ),

  "process/child": scene<{ child: Child }>(
    ["child"],
    function* (example) {
      using child = yield* node("setTimeout(() => {}, 200)");
      yield* example({ child });
    },
    REAL_TIME,
  ),

  "process/stdio": scene<{ conn: TcpStream }>(
    ["conn"],
    function* (example) {
      yield* withConnection((conn) => example({ conn }));
    },
    REAL_TIME,
  ),

  run: scene<{ serveForever: () => Coroutine<void> }>(["serveForever"], function* (example) {
    yield* example({ serveForever: after(5, undefined) });
  }),

  "signal/signal": scene<{ reloadConfig: () => Coroutine<void>; stream: SignalStream }>(
    ["reloadConfig", "stream"],
    function* (example) {
      // The examples wait for SIGHUP or SIGTERM: send both once they wait. Until the
      // scene ends, this process ignores them whether or not an example listens.
      const ignore = () => {};
      process.on("SIGHUP", ignore);
      process.on("SIGTERM", ignore);
      try {
        const done = new Event();
        using stream = signal("SIGUSR2");
        const given = {
          *reloadConfig() {
            done.set();
          },
          stream,
        };
        yield* until(example(given), done, function* () {
          yield* waitIdle();
          process.kill(process.pid, "SIGHUP");
          process.kill(process.pid, "SIGTERM");
        });
      } finally {
        process.off("SIGHUP", ignore);
        process.off("SIGTERM", ignore);
      }
    },
  ),

  "sync/barrier": scene<{ barrier: Barrier }>(["barrier"], function* (example) {
    yield* example({ barrier: new Barrier(1) });
  }),

  "sync/broadcast": scene<{
    tx: import("corio").BroadcastSender<string>;
    rx: import("corio").BroadcastReceiver<string>;
  }>(["tx", "rx"], function* (example) {
    const [tx, rx] = broadcast<string>(4);
    tx.send("news");
    yield* example({ tx, rx });
  }),

  "sync/channel": scene<{
    tx: Sender<string>;
    rx: Receiver<string>;
    reading: string;
    lines: string[];
    producer: (tx: Sender<string>) => Body<void>;
  }>(["tx", "rx", "reading", "lines", "producer"], function* (example) {
    const [tx, rx] = channel<string>(16);
    tx.trySend("first");
    // Senders close once the example has had a go, so a loop to the end ends.
    const closer = spawn(function* () {
      yield* sleep(1000);
      tx.close();
    });
    yield* example({
      tx,
      rx,
      reading: "21.5 C",
      lines: ["a", "b"],
      producer: (tx) =>
        function* () {
          yield* tx.send("produced");
          tx.close();
        },
    });
    closer.cancel();
  }),

  "sync/condition": scene<{ cond: Condition<string[]>; ready: boolean }>(
    ["cond", "ready"],
    function* (example) {
      yield* example({ cond: new Condition(new Mutex<string[]>(["job"])), ready: true });
    },
  ),

  "sync/event": scene<{ setup: () => Coroutine<void>; done: Event; event: Event }>(
    ["setup", "done", "event"],
    function* (example) {
      const event = new Event();
      event.set();
      yield* example({ setup: after(5, undefined), done: new Event(), event });
    },
  ),

  "sync/mutex": scene<{
    mutex: Mutex<number>;
    refresh: (n: number) => Coroutine<number>;
    work: (n: number) => void;
  }>(["mutex", "refresh", "work"], function* (example) {
    yield* example({
      mutex: new Mutex(0),
      *refresh(n) {
        yield* sleep(1);
        return n + 1;
      },
      work: () => {},
    });
  }),

  "sync/notify": scene<{ notify: Notify; ready: () => boolean; shutdown: Notify }>(
    ["notify", "ready", "shutdown"],
    function* (example) {
      yield* example({ notify: new Notify(), ready: () => true, shutdown: new Notify() });
    },
  ),

  "sync/oneshot": scene<{
    tx: import("corio").OneshotSender<string>;
    rx: import("corio").OneshotReceiver<string>;
    failed: boolean;
  }>(["tx", "rx", "failed"], function* (example) {
    const [tx, rx] = oneshot<string>();
    tx.send("reply");
    yield* example({ tx, rx, failed: true });
  }),

  "sync/parking-lot": scene<{ cx: Context }>(["cx"], function* (example) {
    yield* example({ cx: { waker: { wake() {} } } });
  }),

  "sync/queue": scene<{
    queue: Queue<string>;
    job: string;
    handle: (job: string) => Coroutine<void>;
  }>(["queue", "job", "handle"], function* (example) {
    const queue = new Queue<string>(4);
    queue.putNowait("queued");
    const worker = spawn(function* () {
      // Another consumer, so that `join()` returns once the work is done.
      yield* sleep(10);
      while (queue.qsize() > 0) {
        queue.getNowait();
        queue.taskDone();
      }
    });
    yield* example({
      queue,
      job: "job",
      *handle() {
        yield* sleep(1);
      },
    });
    worker.cancel();
  }),

  "sync/rwlock": scene<{
    lock: RwLock<{ retries: number }>;
    use: (value: { retries: number }) => void;
    next: { retries: number };
  }>(["lock", "use", "next"], function* (example) {
    yield* example({ lock: new RwLock({ retries: 3 }), use: () => {}, next: { retries: 5 } });
  }),

  "sync/semaphore": scene<{
    sem: Semaphore;
    url: string;
    download: (url: string) => Coroutine<void>;
    bigJob: () => Coroutine<void>;
  }>(["sem", "url", "download", "bigJob"], function* (example) {
    yield* example({
      sem: new Semaphore(2),
      url: "https://example.com/",
      download: () => after(5, undefined)(),
      bigJob: after(5, undefined),
    });
  }),

  "sync/watch": scene<{
    rx: import("corio").WatchReceiver<string>;
    apply: (config: { level: string }) => void;
  }>(["rx", "apply"], function* (example) {
    const [tx, rx] = watch("starting");
    const sender = spawn(function* () {
      yield* sleep(5);
      tx.send("ready");
    });
    yield* example({ rx, apply: () => {} });
    yield* sender;
  }),

  "testing/index": scene<{ expect: typeof expect; worker: () => Coroutine<void> }>(
    ["expect", "worker"],
    function* (example) {
      yield* example({ expect, worker: after(10, undefined) });
    },
  ),

  "time/interval": scene<{ report: () => void }>(["report"], function* (example) {
    const done = new Event();
    let ticks = 0;
    yield* until(
      example({
        report: () => {
          if (++ticks === 3) done.set();
        },
      }),
      done,
    );
    expect(ticks).toBe(3);
  }),

  "time/timeout": scene<{ url: string; fetchPage: (url: string) => Coroutine<string> }>(
    ["url", "fetchPage"],
    function* (example) {
      yield* withHttpServer(function* (origin) {
        yield* example({
          url: `${origin}/page`,
          *fetchPage(url) {
            return yield* text(yield* fetch(url));
          },
        });
      });
    },
    REAL_TIME,
  ),

  "worker/channel": scene<{
    tx: WorkerSender<{ line: number }>;
    rx: WorkerReceiver<string>;
    console: Console;
  }>(
    ["tx", "rx", "console"],
    function* (example) {
      const { console, lines } = capturingConsole();
      const [tx] = workerChannel<{ line: number }>(4);
      const [feed, rx] = workerChannel<string>(4);
      yield* feed.send("sent");
      feed.close();
      yield* example({ tx, rx, console });
      // The examples that receive print what came through.
      expect(lines.every((l) => l === "sent" || l === "one" || l === "two")).toBe(true);
    },
    { realTime: true, files: { "producer.js": producerJs } },
  ),

  "worker/pool": scene<object>(
    [],
    function* (example) {
      yield* example({});
    },
    { realTime: true, files: { "hash.js": hashJs } },
  ),

  "worker/run": scene<{ bytes: Uint8Array<ArrayBuffer> }>(
    ["bytes"],
    function* (example) {
      yield* example({ bytes: new TextEncoder().encode("abc") as Uint8Array<ArrayBuffer> });
    },
    { realTime: true, files: { "hash.js": hashJs } },
  ),

  "worker/spawn": scene<{ path: string }>(
    ["path"],
    function* (example) {
      yield* example({ path: "data.bin" });
    },
    { realTime: true, files: { "hash.js": hashJs } },
  ),

  "trace/format": scene<{ runtime: Runtime; pid: number }>(
    ["runtime", "pid"],
    function* (example) {
      const runtime = new Runtime();
      runtime.spawn(after(250, "done"), { name: "worker" });
      runtime.step();
      const pid = yield* corioProcessReady();
      yield* example({ runtime, pid });
    },
    REAL_TIME,
  ),

  // A live corio program that is not a cluster's primary: its snapshot has no
  // copies, so the example reads it and prints nothing.
  "trace/copies": scene<{ primaryPid: number }>(
    ["primaryPid"],
    function* (example) {
      yield* example({ primaryPid: yield* corioProcessReady() });
    },
    REAL_TIME,
  ),

  "trace/read": scene<{ pid: number }>(
    ["pid"],
    function* (example) {
      yield* example({ pid: yield* corioProcessReady() });
    },
    REAL_TIME,
  ),

  "trace/write": scene<{ app: () => Coroutine<void> }>(["app"], function* (example) {
    yield* inTempDir({}, () => example({ app: after(5, undefined) }));
  }),
};

/** Runs a serving example until a real client fetched its `/` from the port it printed. */
function* serveUntilFetched(
  example: (given: { console: Console }) => Coroutine<unknown>,
): Coroutine<void> {
  const { console, lines, printed } = capturingConsole();
  const done = new Event();
  yield* until(example({ console }), done, function* () {
    yield* printed.wait();
    const port = /on (\d+)/.exec(lines[0] as string)?.[1];
    const res = yield* fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(yield* text(res)).toBe("hello\n");
    done.set();
  });
}

/** What the scene of file `K` ("net/stream") gives its examples. */
export type Given<K extends string> = K extends keyof typeof scenes
  ? (typeof scenes)[K] extends Scene<infer G>
    ? G
    : never
  : Record<never, never>;
