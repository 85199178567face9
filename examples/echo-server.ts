/**
 * An echo server: each connection gets back every byte it sends, until it
 * shuts down its side.
 *
 * What to notice:
 * - `listener.serve(handle)` runs one task per connection (Trio's
 *   `serve_tcp`): while one connection waits for bytes, the others run. Each
 *   task starts from `handle`, a generator function defined once and called
 *   with the connection: the fast way to start many tasks (a `function*`
 *   evaluated per connection would cost V8 ~1 µs more each; docs/concepts.md).
 * - `conn.read()` pulls: a client that stops reading its echoes fills its own
 *   window and then ours, our `write` waits, our `read` stops — backpressure
 *   all the way to the client, with no buffer growing in between.
 * - Ctrl-C (`main`) cancels the server: `serve` stops accepting, cancels the
 *   handlers, and every connection is closed — `using` and `serve` own them.
 *
 *   npx tsx examples/echo-server.ts [port]        then, elsewhere:  nc 127.0.0.1 7007
 */
import { pathToFileURL } from "node:url";
import { type Coroutine, main } from "corio";
import { listen, type NetAddress, type TcpStream } from "corio/net";

/** Echoes one connection until the client's EOF; returns how many bytes it echoed. */
export function* echo(conn: TcpStream): Coroutine<number> {
  let bytes = 0;
  for (let chunk = yield* conn.read(); chunk !== null; chunk = yield* conn.read()) {
    bytes += chunk.length;
    yield* conn.write(chunk); // waits while the client's window is full
  }
  yield* conn.shutdown(); // "that was everything": the client reads EOF
  return bytes;
}

/** One connection's task: `serve` calls it once per connection. */
function* handle(conn: TcpStream): Coroutine<void> {
  try {
    yield* echo(conn);
  } catch (error) {
    // One client's trouble (a reset, say) is not the server's: log it and carry on.
    console.error(`${conn.toString()}: ${(error as Error).message}`);
  }
}

export interface EchoServerOptions {
  host?: string;
  port?: number;
  onListen?: (address: NetAddress) => void;
}

/** Listens and echoes every connection until cancelled. */
export function* echoServer(options: EchoServerOptions = {}): Coroutine<void> {
  using listener = yield* listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  options.onListen?.(listener.address as NetAddress);
  yield* listener.serve(handle);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? 7007);
  main(() =>
    echoServer({
      port,
      onListen: ({ host, port }) => console.log(`echo server on ${host}:${port} (Ctrl-C stops)`),
    }),
  );
}
