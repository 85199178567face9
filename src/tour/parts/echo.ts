/** Part 4: a TCP echo server with many clients, all on one thread. */
import { type Coroutine, sleep, spawn } from "../../index.js";
import { connect, listen, type TcpStream } from "../../net/index.js";
import { type Part, seconds } from "../kit.js";

const CLIENTS = 100;
const ROUNDS = 3;
const THINK_MS = 20;

/** The server's side of one connection: send every line back. */
function* echo(conn: TcpStream): Coroutine<void> {
  for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
    yield* conn.write(`${line}\n`);
  }
}

/** A client: a few lines, each echoed back, with a pause between them. */
function* client(n: number, port: number): Coroutine<number> {
  const conn = yield* connect({ host: "127.0.0.1", port });
  try {
    let echoed = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      yield* conn.write(`hello ${round} from client ${n}\n`);
      const reply = yield* conn.readLine();
      if (reply === `hello ${round} from client ${n}`) echoed++;
      yield* sleep(THINK_MS);
    }
    return echoed;
  } finally {
    conn.close();
  }
}

export const echoServer: Part = {
  title: "4. A TCP echo server, many clients",
  intro:
    `One server and ${CLIENTS} clients in one process and one thread. Each client connects, sends ` +
    `${ROUNDS} lines and reads each echo back, pausing ${THINK_MS} ms in between. Every read, ` +
    "write and accept is a non-blocking socket operation: while one waits, the others run.",
  async run({ p, runtime, timeline }) {
    p.code(
      'const listener = yield* listen({ host: "127.0.0.1", port: 0 });\n' +
        "spawn(() => listener.serve(echo));   // serve: a task per connection, each echo(conn)\n" +
        "function* echo(conn) {\n" +
        "  for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine())\n" +
        '    yield* conn.write(line + "\\n");\n' +
        "}",
    );
    p.line();
    const rt = runtime();
    let echoes = 0;
    let port = 0;
    const start = performance.now();
    rt.spawn(
      function* () {
        const listener = yield* listen({ host: "127.0.0.1", port: 0 });
        port = (listener.address as { port: number }).port;
        const server = spawn(() => listener.serve(echo), { name: "server" });
        const clients: ReturnType<typeof spawn<number>>[] = [];
        for (let n = 1; n <= CLIENTS; n++) {
          clients.push(spawn(() => client(n, port), { name: `client ${n}` }));
        }
        for (const c of clients) echoes += yield* c;
        listener.close(); // serve() returns once its handlers are done
        yield* server;
      },
      { name: "main" },
    );
    await rt.run();
    p.line(
      `  ${CLIENTS} clients, ${echoes} of ${CLIENTS * ROUNDS} lines echoed, in ${seconds(start)} ` +
        `(one client after the other: at least ${(CLIENTS * ROUNDS * THINK_MS) / 1000} s)`,
    );
    p.line();
    // A few of each kind of task: main, the server and its group, three connections, three clients.
    const seen = new Map<string, number>();
    timeline(rt, {
      pick: (name) => {
        const kind = name.split(" ")[0] as string;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
        return (seen.get(kind) as number) <= 3;
      },
    });
    p.line();
    p.notice(
      "a thread per connection would need 200 threads (or a pool, and queueing); here 200 " +
        "coroutines (100 clients, 100 connection handlers) share one thread, each parked on " +
        "its socket until the reactor (Node's " +
        "event loop) sees data for it and wakes it. This is where asynchronous I/O pays: " +
        "many connections, mostly waiting. Each connection's task starts from echo, one " +
        "generator function defined once: a function* written inline per connection would " +
        "cost V8 about 1 µs more a task (docs/concepts.md, the fast idiom).",
    );
  },
};
