/**
 * A chat client: what you type goes to the chat server (examples/chat-server.ts),
 * and what others say is printed as it arrives.
 *
 * Two tasks share one connection: a child task copies your lines (standard
 * input) to the server while this task prints what the server sends — one
 * reader and one writer, which a corio stream allows. When your input ends
 * (Ctrl-D) the writer half-closes the connection and the reader carries on
 * until the server has said its last; when the server goes away, the reader
 * ends and cancels the writer.
 *
 *   npx tsx examples/chat-client.ts alice [port]
 */
import { type Coroutine, main, spawn } from "corio";
import { connect } from "corio/net";
import { stdin } from "corio/process";

function* chatClient(name: string, port: number): Coroutine<void> {
  using conn = yield* connect({ host: "127.0.0.1", port, noDelay: true });
  using input = stdin();
  yield* conn.write(`${name}\n`);
  const writer = spawn(function* () {
    for (let line = yield* input.readLine(); line !== null; line = yield* input.readLine()) {
      yield* conn.write(`${line}\n`);
    }
    yield* conn.shutdown(); // no more from us; the server sees EOF and says goodbye
  });
  for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
    console.log(line.startsWith("name? ") ? line.slice("name? ".length) : line);
  }
  writer.cancel(); // the server closed the connection
}

const name = process.argv[2] ?? "guest";
const port = Number(process.argv[3] ?? 7008);
main(() => chatClient(name, port));
