/**
 * `corio/net`: TCP, Unix domain sockets and UDP for coroutines.
 *
 * ```ts
 * using listener = yield* listen({ host: "127.0.0.1", port: 0 });
 * yield* listener.serve(function* (conn) {
 *   for (let b = yield* conn.read(); b !== null; b = yield* conn.read()) yield* conn.write(b);
 * });
 * ```
 *
 * The reactor: Node's non-blocking sockets are the I/O source and their
 * events wake the waiting tasks. Reads are pulled (a socket takes bytes from
 * the peer only while a task reads it, plus at most one chunk), writes wait
 * for room and then hand all their bytes over at once, and every operation is
 * cancel-safe. Each waiting operation counts as outside work for the runtime.
 *
 * Ownership: whoever holds a stream, listener or socket closes it — with
 * `using` (closed when the block ends, including by cancellation), or
 * `close()` in a `finally`. `listener.serve(handler)` closes each connection
 * when its handler ends.
 *
 * The transport: everything here runs over a `Transport` (transport.ts)
 * supplied per task: Node's sockets by default, or any implementation
 * installed with `withTransport(transport, body)` — such as `MemoryNetwork`,
 * an in-memory network that follows the virtual clock — with no change to the
 * code inside `body`. See docs/io.md.
 *
 * @module
 */
export type { ConnectOptions, TcpConnectOptions, UnixConnectOptions } from "./connect.js";
export { connect } from "./connect.js";
export type { SystemError } from "./errors.js";
export type {
  ConnectionHandler,
  Incoming,
  ListenOptions,
  TcpListenOptions,
  UnixListenOptions,
} from "./listener.js";
export { listen, TcpListener } from "./listener.js";
export { MemoryNetwork } from "./memory-transport.js";
export { nodeTransport } from "./node-transport.js";
export type { ReadLineOptions, StreamStatistics } from "./stream.js";
export { ByteStream, TcpStream } from "./stream.js";
export type { Pem, TlsConnectOptions, TlsServerOptions } from "./tls.js";
export type {
  DatagramSink,
  DatagramTarget,
  ListenerSink,
  ListenTarget,
  NetAddress,
  RawDatagram,
  RawListener,
  RawStream,
  SocketAddress,
  StreamSink,
  StreamTarget,
  Transport,
  UnixAddress,
} from "./transport.js";
export { withTransport } from "./transport.js";
export type { Datagram, UdpBindOptions } from "./udp.js";
export { UdpSocket, udp } from "./udp.js";
