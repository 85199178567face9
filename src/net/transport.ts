/**
 * The transport: the seam between `corio/net` and whatever moves the bytes.
 *
 * The model
 * ---------
 * `corio/net` never touches `node:net` or `node:dgram` directly. Its streams,
 * listeners and UDP sockets are built over a `Transport` — four small
 * callback interfaces in the style of libuv — that the runtime supplies for
 * the current task: Node's sockets by default (`nodeTransport`), or anything
 * installed with `withTransport(transport, body)` for that body and every task
 * it spawns. An in-memory network (`MemoryNetwork`) implements the same
 * interface, so a test can run unchanged user code against a simulated
 * network whose delivery follows the runtime's own virtual clock.
 *
 * Direction of calls: corio calls the transport (`connect`, `readStart`,
 * `write`, ...); the transport reports events to a *sink* that corio hands it
 * (`data`, `end`, `drain`, ...). A sink only records what happened and wakes the
 * task waiting for it; the one call it may make back into the transport from
 * inside an event is `readStop()`/`readStart()`. So a transport may call a
 * sink at any time, even from inside the call that created it (the in-memory
 * transport delivers `write()` to the peer's sink at once).
 *
 * The contract, object by object:
 *
 * - `RawStream` (one byte-stream connection). Data is delivered to
 *   `sink.data` only between `readStart()` and `readStop()` (flow control: a
 *   stopped stream stops taking bytes from the peer, so a slow reader holds the
 *   sender back). `write()` queues the bytes whole and returns false once the
 *   queue is above the transport's high-water mark; `sink.drain()` follows when
 *   it falls below. `end()` half-closes after the queued bytes (`sink.finish()`
 *   when done); the peer then reads EOF (`sink.end()` on its side). `destroy()`
 *   frees the connection now (`reset`: abortively, the peer sees ECONNRESET).
 *   `sink.closed()` comes last, exactly once. Errors carry Node's `code`.
 * - `RawListener`: `sink.listening()` once bound (or `sink.error()`), then
 *   `sink.connection(raw)` per accepted connection; the returned `StreamSink`
 *   receives that connection's events. A new connection delivers no data until
 *   `readStart()`.
 * - `RawDatagram` (UDP): `sink.listening()` once bound, `sink.message(data,
 *   from)` per datagram, `send(data, to, done)` calls `done(error | null)` once
 *   the datagram was handed to the network.
 * - `external`: true when the transport waits on the world outside the
 *   runtime (real sockets). Then each pending operation counts as outside work
 *   (`Runtime._externalStart/_externalEnd`): no deadlock is reported and a
 *   virtual clock does not jump while it is pending. An in-memory transport is
 *   not external: every event it delivers is caused by a task of the runtime,
 *   so virtual time may jump while tasks wait on it.
 */
import type { Body } from "../core/body.js";
import type { Coroutine } from "../core/future.js";
import { TaskLocal } from "../core/task-local.js";
import { nodeTransport } from "./node-transport.js";
import type { TlsConnectOptions, TlsServerOptions } from "./tls.js";

/** A TCP endpoint. `host` is an IP address once resolved (IPv6 without brackets). */
export interface NetAddress {
  host: string;
  port: number;
}

/** A Unix domain socket endpoint. */
export interface UnixAddress {
  path: string;
}

/** Where a stream socket is bound or connected. */
export type SocketAddress = NetAddress | UnixAddress;

/** Events of one byte-stream connection, reported by the transport to corio. */
export interface StreamSink {
  /** The connection (from `Transport.connect`) is established. */
  connected(): void;
  /** Bytes arrived (only between `readStart()` and `readStop()`). */
  data(chunk: Uint8Array): void;
  /** The peer half-closed: no more data will arrive. */
  end(): void;
  /** The write queue fell below the high-water mark after `write()` returned false. */
  drain(): void;
  /** `end()` completed: every queued byte was handed to the network, then the FIN. */
  finish(): void;
  /** The connection failed (ECONNRESET, EPIPE, ECONNREFUSED, ...). `closed()` follows. */
  error(error: Error): void;
  /** The connection is gone and its resources freed. Last event, exactly once. */
  closed(): void;
}

/** One byte-stream connection as the transport provides it (libuv's `uv_stream_t`, in spirit). */
export interface RawStream {
  /** Start delivering data to `sink.data`. */
  readStart(): void;
  /** Stop delivering data; the transport stops taking bytes from the peer once its own small buffer is full. */
  readStop(): void;
  /** Queue all of `chunk`; false if the queue is now above the high-water mark (wait for `drain`). */
  write(chunk: Uint8Array | string): boolean;
  /** Half-close after the queued bytes; `sink.finish()` when done. */
  end(): void;
  /** Free the connection now. `reset`: abortive close (RST), queued bytes are discarded. */
  destroy(reset?: boolean): void;
  /** Disable (true) or enable Nagle's algorithm. */
  setNoDelay(noDelay: boolean): void;
  /**
   * Optional: stop this connection from keeping the process alive (libuv's
   * `uv_unref`). Called once a closed connection only waits for the peer's FIN.
   */
  unref?(): void;
  /** This end's address, or null if unknown (not connected yet, or gone). */
  localAddress(): SocketAddress | null;
  /** The peer's address, or null if unknown. */
  remoteAddress(): SocketAddress | null;
}

/**
 * Where to connect. Hostnames are resolved by the transport. With `tls` the
 * connection is encrypted (a transport that cannot do TLS reports an error).
 */
export type StreamTarget =
  | { host: string; port: number; tls?: TlsConnectOptions }
  | { path: string };

/** Options a transport honours for `listen`; with `tls`, every connection is TLS. */
export type ListenTarget = (
  | { host: string; port: number; tls?: TlsServerOptions }
  | { path: string }
) & { backlog?: number; ipv6Only?: boolean };

/** Events of a listening socket. */
export interface ListenerSink {
  /** Bound and listening. */
  listening(): void;
  /** A connection arrived; return the sink for its events. */
  connection(raw: RawStream): StreamSink;
  /** Binding failed (EADDRINUSE, EACCES, ...) or the listener broke. */
  error(error: Error): void;
}

/** A listening socket. */
export interface RawListener {
  /** The bound address (with the real port when 0 was asked for). */
  address(): SocketAddress;
  /** Stop listening; established connections are not affected. */
  close(): void;
}

/** Events of a UDP socket. */
export interface DatagramSink {
  /** Bound. */
  listening(): void;
  /** A datagram arrived. */
  message(data: Uint8Array, from: NetAddress): void;
  /** Binding failed, or the socket broke. */
  error(error: Error): void;
}

/** A bound UDP socket. */
export interface RawDatagram {
  /** Send one datagram; `done(error | null)` once it was handed to the network. */
  send(data: Uint8Array | string, to: NetAddress, done: (error: Error | null) => void): void;
  /** The address the socket is bound to. */
  address(): NetAddress;
  /** Closes the socket; no sink call follows. */
  close(): void;
}

/** Where to bind a UDP socket. */
export interface DatagramTarget {
  host: string;
  port: number;
  /** Allow several sockets to bind the same address. */
  reuseAddr?: boolean;
}

/**
 * What `corio/net` runs over. Implement it to replace the network: a
 * simulated network for deterministic tests, a proxy, a recorder.
 */
export interface Transport {
  /** True if operations wait on the outside world (see the module comment). */
  readonly external: boolean;
  /** Start connecting; events (first `connected` or `error`) go to `sink`. */
  connect(target: StreamTarget, sink: StreamSink): RawStream;
  /** Start listening; events go to `sink`. */
  listen(target: ListenTarget, sink: ListenerSink): RawListener;
  /** Bind a UDP socket; events go to `sink`. */
  bindDatagram(target: DatagramTarget, sink: DatagramSink): RawDatagram;
}

const current = new TaskLocal<Transport>(nodeTransport);

/** @internal The transport for the current task (Node's sockets unless `withTransport` says otherwise). */
export function currentTransport(): Transport {
  return current.get();
}

/**
 * Runs `body` (and every task it spawns) with `transport` as the network:
 * `listen`, `connect` and `udp.bind` inside it go through `transport`
 * instead of Node's sockets. User code does not change.
 *
 * Cancellation: as `body`'s.
 * Throws: whatever `body` throws; TypeError if `transport` is not a Transport.
 *
 * @example
 * const net = new MemoryNetwork();
 * yield* withTransport(net, function* () {
 *   using listener = yield* listen({ host: "10.0.0.1", port: 80 });
 *   // ...
 * });
 */
export function withTransport<T>(transport: Transport, body: Body<T>): Coroutine<T> {
  if (
    transport === null ||
    typeof transport !== "object" ||
    typeof transport.connect !== "function" ||
    typeof transport.listen !== "function" ||
    typeof transport.bindDatagram !== "function"
  ) {
    throw new TypeError("withTransport(transport, body): transport must implement Transport");
  }
  return current.with(transport, body);
}

/**
 * @internal Refuses an operation that would open a real socket outside the
 * transport (HTTP over `node:http`, global `fetch`) while the current task runs
 * on another network (`simulate`, `withTransport(new MemoryNetwork(), ...)`):
 * it would silently reach the real network and bypass the simulation.
 */
export function requireNodeNetwork(what: string): void {
  if (current.get() !== nodeTransport)
    throw new Error(
      `${what} uses Node's own sockets, but this task runs on a simulated or in-memory network (simulate, withTransport), which it would bypass; use corio/net's listen/connect inside a simulation`,
    );
}
