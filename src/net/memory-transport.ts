/**
 * `MemoryNetwork`: an in-memory `Transport`, the proof that `corio/net` runs
 * over the transport seam and the start of a simulated network (hosts,
 * latency, partitions under the virtual clock, as Tokio's turmoil does).
 *
 * The model
 * ---------
 * Hosts are plain strings; nothing is resolved. A listener is registered
 * under "host:port" (or its path); `connect` finds it and joins two
 * `Endpoint`s back to back. A write goes straight into the peer's inbox; the
 * inbox is the writer's send queue, so `write()` reports "full" once it holds
 * `HIGH_WATER` bytes, and the writer gets `drain` when the reader takes it
 * below. The peer's sink receives bytes only while it is reading
 * (`readStart`), so flow control is the same as over TCP.
 *
 * Every event is delivered synchronously, inside the call that caused it, so
 * no event is ever in flight while the runtime looks idle: the network is not
 * `external`, and under `runTest` virtual time jumps straight over waits on
 * it (a connect timeout to a black-holed host takes no real time). The only
 * exception is `closed`, sent in a microtask as Node sends `close`.
 *
 * Endpoint states: OPEN, then `#wroteEnd` (our FIN sent), `#peerEnded` (peer's
 * FIN queued behind its bytes) and `#endDelivered` (our sink saw it); when both
 * directions are done, or on destroy, the endpoint is gone (`closed` once).
 */
import { codeError } from "./errors.js";
import type {
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
} from "./transport.js";

/** Bytes a peer's inbox holds before the writer is told to wait. */
const HIGH_WATER = 64 * 1024;

function keyOf(t: { host: string; port: number } | { path: string }): string {
  return "path" in t ? `unix:${t.path}` : `${t.host}:${t.port}`;
}

class Endpoint implements RawStream {
  sink: StreamSink | null = null;
  peer: Endpoint | null = null;
  readonly #local: SocketAddress;
  readonly #remote: SocketAddress;
  #inbox: Buffer[] = [];
  #inboxBytes = 0;
  #reading = false;
  #pumping = false;
  #needDrain = false;
  #wroteEnd = false;
  #peerEnded = false;
  #endDelivered = false;
  #gone = false;

  constructor(local: SocketAddress, remote: SocketAddress) {
    this.#local = local;
    this.#remote = remote;
  }

  readStart(): void {
    this.#reading = true;
    this.#pump();
  }

  readStop(): void {
    this.#reading = false;
  }

  write(chunk: Uint8Array | string): boolean {
    const peer = this.peer;
    if (this.#gone || this.#wroteEnd) return true;
    if (peer === null || peer.#gone) {
      this.#fail(codeError("EPIPE", "write EPIPE"));
      return true;
    }
    const b = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    peer.#inbox.push(b);
    peer.#inboxBytes += b.length;
    peer.#pump();
    if (peer.#inboxBytes >= HIGH_WATER) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (this.#gone || this.#wroteEnd) return;
    this.#wroteEnd = true;
    const peer = this.peer;
    if (peer !== null && !peer.#gone) {
      peer.#peerEnded = true;
      peer.#pump();
    }
    this.sink?.finish();
    this.#maybeGone();
  }

  destroy(reset = false): void {
    if (this.#gone) return;
    const peer = this.peer;
    this.#goneNow();
    if (peer === null || peer.#gone) return;
    if (reset) {
      peer.#fail(codeError("ECONNRESET", "read ECONNRESET"));
    } else if (!this.#wroteEnd) {
      this.#wroteEnd = true;
      peer.#peerEnded = true;
      peer.#pump();
    }
  }

  setNoDelay(): void {}

  /** @internal The peer's inbox (our send queue) fell below the high-water mark. */
  _roomAgain(): void {
    if (this.#needDrain) {
      this.#needDrain = false;
      this.sink?.drain();
    }
  }

  localAddress(): SocketAddress {
    return this.#local;
  }

  remoteAddress(): SocketAddress {
    return this.#remote;
  }

  /** Delivers inbox bytes (and then the peer's FIN) while reading. */
  #pump(): void {
    if (this.#pumping || this.#gone) return; // a sink restarted reading from inside data()
    this.#pumping = true;
    try {
      while (this.#reading && this.#inbox.length > 0 && !this.#gone) {
        const b = this.#inbox.shift() as Buffer;
        this.#inboxBytes -= b.length;
        this.sink?.data(b);
      }
    } finally {
      this.#pumping = false;
    }
    if (this.#inboxBytes < HIGH_WATER) this.peer?._roomAgain();
    if (this.#inbox.length === 0 && this.#peerEnded && !this.#endDelivered && !this.#gone) {
      if (!this.#reading) return; // EOF is seen by reading, as over TCP
      this.#endDelivered = true;
      this.sink?.end();
      this.#maybeGone();
    }
  }

  #fail(error: Error): void {
    if (this.#gone) return;
    this.sink?.error(error);
    this.#goneNow();
  }

  #maybeGone(): void {
    if (this.#wroteEnd && this.#endDelivered) this.#goneNow();
  }

  #goneNow(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#reading = false;
    this.#inbox = [];
    this.#inboxBytes = 0;
    const sink = this.sink;
    queueMicrotask(() => sink?.closed());
  }

  /** A connection attempt that is never answered (black hole) or failed. */
  static pending(local: SocketAddress, remote: SocketAddress, sink: StreamSink): Endpoint {
    const e = new Endpoint(local, remote);
    e.sink = sink;
    return e;
  }
}

class MemoryListener implements RawListener {
  readonly #net: MemoryNetwork;
  readonly #key: string;
  readonly #address: SocketAddress;
  readonly sink: ListenerSink;
  #closed = false;

  constructor(net: MemoryNetwork, key: string, address: SocketAddress, sink: ListenerSink) {
    this.#net = net;
    this.#key = key;
    this.#address = address;
    this.sink = sink;
  }

  address(): SocketAddress {
    return this.#address;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#net._unlisten(this.#key, this);
  }
}

class MemoryDatagram implements RawDatagram {
  readonly #net: MemoryNetwork;
  readonly #address: NetAddress;
  readonly sink: DatagramSink;
  #closed = false;

  constructor(net: MemoryNetwork, address: NetAddress, sink: DatagramSink) {
    this.#net = net;
    this.#address = address;
    this.sink = sink;
  }

  send(data: Uint8Array | string, to: NetAddress, done: (error: Error | null) => void): void {
    if (this.#closed) {
      done(codeError("ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running"));
      return;
    }
    const target = this.#net._datagramAt(to);
    const b = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    if (target !== null) target.sink.message(b, this.#address);
    done(null); // UDP: a datagram nobody receives is silently lost
  }

  address(): NetAddress {
    return this.#address;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#net._unbind(this.#address, this);
  }
}

/**
 * An in-memory network implementing `Transport`: install it with
 * `withTransport(network, body)` and `listen`, `connect` and `udp.bind` in
 * `body` use it instead of Node's sockets. Deterministic and instantaneous;
 * it follows the runtime's virtual clock. Hosts are plain names (nothing is
 * resolved); "0.0.0.0" listens for every host.
 *
 * @example
 * const network = new MemoryNetwork();
 * await runTest(() =>
 *   withTransport(network, function* () {
 *     using listener = yield* listen({ host: "server", port: 80 });
 *     using conn = yield* connect({ host: "server", port: 80 });
 *   }),
 * );
 */
export class MemoryNetwork implements Transport {
  readonly external = false;
  readonly #listeners = new Map<string, MemoryListener>();
  readonly #datagrams = new Map<string, MemoryDatagram>();
  readonly #blackholes = new Set<string>();
  #nextPort = 49152;

  /**
   * Makes `host` unreachable the way a dropped SYN does: connections to it
   * neither succeed nor fail (only a connect `timeout` ends them), and
   * datagrams to it vanish.
   */
  blackhole(host: string): void {
    this.#blackholes.add(host);
  }

  connect(target: StreamTarget, sink: StreamSink): RawStream {
    const local: SocketAddress =
      "path" in target ? { path: target.path } : { host: "client", port: this.#port() };
    const remote: SocketAddress =
      "path" in target ? { path: target.path } : { host: target.host, port: target.port };
    const client = Endpoint.pending(local, remote, sink);
    if ("tls" in target && target.tls !== undefined) {
      sink.error(tlsUnsupported(`connect to ${target.host}:${target.port}`));
      return client;
    }
    if (!("path" in target) && this.#blackholes.has(target.host)) return client;
    const listener =
      this.#listeners.get(keyOf(target)) ??
      ("path" in target ? undefined : this.#listeners.get(`0.0.0.0:${target.port}`));
    if (listener === undefined) {
      const what = "path" in target ? target.path : `${target.host}:${target.port}`;
      sink.error(
        codeError(
          "path" in target ? "ENOENT" : "ECONNREFUSED",
          `connect ${"path" in target ? "ENOENT" : "ECONNREFUSED"} ${what}`,
        ),
      );
      return client;
    }
    const server = new Endpoint(remote, local);
    client.peer = server;
    server.peer = client;
    server.sink = listener.sink.connection(server);
    sink.connected();
    return client;
  }

  listen(target: ListenTarget, sink: ListenerSink): RawListener {
    let address: SocketAddress;
    if ("path" in target) address = { path: target.path };
    else address = { host: target.host, port: target.port === 0 ? this.#port() : target.port };
    const key = keyOf(address);
    const listener = new MemoryListener(this, key, address, sink);
    if ("tls" in target && target.tls !== undefined) {
      sink.error(tlsUnsupported(`listen on ${key}`));
      return listener;
    }
    if (this.#listeners.has(key)) {
      sink.error(codeError("EADDRINUSE", `listen EADDRINUSE: address already in use ${key}`));
      return listener;
    }
    this.#listeners.set(key, listener);
    sink.listening();
    return listener;
  }

  bindDatagram(target: DatagramTarget, sink: DatagramSink): RawDatagram {
    const address = { host: target.host, port: target.port === 0 ? this.#port() : target.port };
    const socket = new MemoryDatagram(this, address, sink);
    const key = keyOf(address);
    if (this.#datagrams.has(key)) {
      sink.error(codeError("EADDRINUSE", `bind EADDRINUSE ${key}`));
      return socket;
    }
    this.#datagrams.set(key, socket);
    sink.listening();
    return socket;
  }

  /** @internal */
  _unlisten(key: string, listener: MemoryListener): void {
    if (this.#listeners.get(key) === listener) this.#listeners.delete(key);
  }

  /** @internal */
  _datagramAt(to: NetAddress): MemoryDatagram | null {
    if (this.#blackholes.has(to.host)) return null;
    return this.#datagrams.get(keyOf(to)) ?? null;
  }

  /** @internal */
  _unbind(address: NetAddress, socket: MemoryDatagram): void {
    const key = keyOf(address);
    if (this.#datagrams.get(key) === socket) this.#datagrams.delete(key);
  }

  #port(): number {
    const p = this.#nextPort++;
    if (this.#nextPort > 65535) this.#nextPort = 49152;
    return p;
  }
}

/** TLS is Node's; the in-memory network carries plain bytes only. */
function tlsUnsupported(what: string): Error {
  return codeError(
    "ERR_TLS_UNSUPPORTED",
    `in-memory network: ${what} asked for TLS, which only Node's sockets do; test TLS over real loopback`,
  );
}
