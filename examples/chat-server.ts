/**
 * A chat server: every line a client sends goes to every other client.
 *
 * A client's first line is its name. Each connection runs two tasks: one
 * reads the client's lines and publishes them on a `broadcast` channel, the
 * other forwards what others publish to the client. When the client leaves,
 * the reader ends and the forwarder is cancelled with it (a task group).
 *
 * What to notice:
 * - Fan-out with `broadcast(capacity)`: a send never waits, so one slow client
 *   cannot hold up the room. A client that falls more than `capacity` messages
 *   behind gets `LaggedError` once, is told how many it missed, and carries on.
 * - Structure: the two tasks of a connection live in a `taskGroup`; whichever
 *   way the connection ends, both are gone before `serve` closes the socket.
 *
 *   npx tsx examples/chat-server.ts [port]
 *   npx tsx examples/chat-client.ts alice [port]      (in as many terminals as you like)
 */
import { pathToFileURL } from "node:url";
import {
  type BroadcastReceiver,
  type BroadcastSender,
  broadcast,
  type Coroutine,
  LaggedError,
  main,
  type TaskGroup,
  taskGroup,
} from "corio";
import { listen, type NetAddress, type TcpStream } from "corio/net";

interface Message {
  from: TcpStream;
  text: string;
}

/** Writes the room's messages, except the client's own, to the client. */
function* forward(inbox: BroadcastReceiver<Message>, conn: TcpStream): Coroutine<void> {
  for (;;) {
    let r: IteratorResult<Message>;
    try {
      r = yield* inbox.recv();
    } catch (error) {
      if (!(error instanceof LaggedError)) throw error;
      yield* conn.write(`* (you missed ${error.missed} messages)\n`);
      continue;
    }
    if (r.done) return;
    if (r.value.from !== conn) yield* conn.write(`${r.value.text}\n`);
  }
}

function* client(conn: TcpStream, room: BroadcastSender<Message>): Coroutine<void> {
  yield* conn.write("name? ");
  const name = (yield* conn.readLine({ limit: 100 }))?.trim();
  if (!name) return;
  const inbox = room.subscribe(); // before announcing, so nothing is missed from here on
  room.send({ from: conn, text: `* ${name} joined` });
  yield* conn.write(`welcome, ${name}\n`);
  yield* taskGroup((group) => converse(group, conn, name, inbox, room));
  room.send({ from: conn, text: `* ${name} left` });
}

/** The connection's two tasks: the forwarder, and this body reading the client's lines. */
function* converse(
  group: TaskGroup,
  conn: TcpStream,
  name: string,
  inbox: BroadcastReceiver<Message>,
  room: BroadcastSender<Message>,
): Coroutine<void> {
  const forwarder = group.spawn(forward(inbox, conn));
  for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
    if (line !== "") room.send({ from: conn, text: `${name}: ${line}` });
  }
  forwarder.cancel(); // the client left
}

/** One connection's task: `serve` calls it once per connection. */
function* handle(conn: TcpStream, room: BroadcastSender<Message>): Coroutine<void> {
  try {
    yield* client(conn, room);
  } catch (error) {
    console.error(`${conn.toString()}: ${(error as Error).message}`);
  }
}

export interface ChatServerOptions {
  host?: string;
  port?: number;
  /** Messages a slow client may fall behind before it is told it missed some. @default 256 */
  capacity?: number;
  onListen?: (address: NetAddress) => void;
}

/** Runs the chat room until cancelled. */
export function* chatServer(options: ChatServerOptions = {}): Coroutine<void> {
  const [room, unused] = broadcast<Message>(options.capacity ?? 256);
  unused.close(); // each client subscribes its own receiver
  using listener = yield* listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  options.onListen?.(listener.address as NetAddress);
  // Every generator function here is defined once, at module level, and called with the
  // connection: each connection's tasks start at a fraction of the cost of a `function*`
  // written inline per connection (docs/concepts.md, "Starting many tasks: the fast idiom").
  yield* listener.serve((conn) => handle(conn, room));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? 7008);
  main(() =>
    chatServer({
      port,
      onListen: ({ host, port }) => console.log(`chat server on ${host}:${port} (Ctrl-C stops)`),
    }),
  );
}
