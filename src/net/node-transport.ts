/**
 * The default transport: Node's own non-blocking sockets (`node:net`,
 * `node:dgram`) behind the `Transport` interface (see transport.ts).
 *
 * Flow control maps onto Node's streams: `readStart()` is `resume()` and
 * `readStop()` is `pause()`. A paused socket keeps at most Node's readable
 * high-water mark (16 KiB on Node 20) in its own buffer, then stops reading
 * from the kernel (`readStop` in libuv), so the kernel's receive window fills
 * and TCP flow control holds the sender back. The `'data'` listener is added
 * at the first `readStart()`, because adding it resumes the stream: until a
 * task asks for bytes, a new connection reads nothing at all.
 *
 * `NodeRawStream` also adapts child-process pipes and file read streams (any
 * Node Readable/Writable), so `corio/process` and `corio/fs` share the stream
 * machinery of `corio/net`.
 */
import dgram from "node:dgram";
import net from "node:net";
import type { Duplex, Readable, Writable } from "node:stream";
import tls from "node:tls";
import { secureContextError, type TlsConnectOptions } from "./tls.js";
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

type NodeStream = Duplex | Readable | Writable;

/** A Node stream (socket, pipe, file stream) as a `RawStream`. */
export class NodeRawStream implements RawStream {
  readonly #s: NodeStream;
  #sink: StreamSink | null = null;
  #dataAttached = false;
  /** For Unix sockets, Node reports no addresses: we know the path. */
  readonly #path: string | null;

  constructor(stream: NodeStream, path: string | null = null) {
    this.#s = stream;
    this.#path = path;
  }

  /**
   * Connects Node's events to `sink`. Must be called in the tick the stream
   * was created or accepted. A TLS client is connected once its handshake is
   * done (`secureConnect`), not when its TCP connection is.
   */
  attach(sink: StreamSink, connecting = false): this {
    this.#sink = sink;
    const s = this.#s;
    if (connecting) {
      s.once(s instanceof tls.TLSSocket ? "secureConnect" : "connect", () => sink.connected());
    }
    s.on("end", () => sink.end());
    s.on("drain", () => sink.drain());
    s.on("finish", () => sink.finish());
    s.on("error", (error: Error) => sink.error(error));
    s.on("close", () => sink.closed());
    return this;
  }

  /**
   * @internal Hands the Node stream over to a new owner (serve takes the
   * connections a listener queued): drops the listeners `attach` added, so
   * the old sink hears nothing more. The stream must never have been read.
   */
  detach(): NodeStream {
    const s = this.#s;
    for (const event of ["connect", "secureConnect", "end", "drain", "finish", "error", "close"]) {
      s.removeAllListeners(event);
    }
    this.#sink = null;
    return s;
  }

  readStart(): void {
    const s = this.#s as Readable;
    if (!this.#dataAttached) {
      this.#dataAttached = true;
      const sink = this.#sink as StreamSink;
      s.on("data", (chunk: Uint8Array) => sink.data(chunk));
    }
    s.resume(); // (adding the listener resumes only a stream never paused)
  }

  readStop(): void {
    if (this.#dataAttached) (this.#s as Readable).pause();
  }

  write(chunk: Uint8Array | string): boolean {
    return (this.#s as Writable).write(chunk);
  }

  end(): void {
    (this.#s as Writable).end();
  }

  destroy(reset = false): void {
    const s = this.#s as net.Socket;
    // (A TLS socket cannot be reset: its handle is the TLS layer, not the TCP one.)
    if (
      reset &&
      typeof s.resetAndDestroy === "function" &&
      !s.destroyed &&
      !s.connecting &&
      !(s instanceof tls.TLSSocket)
    ) {
      s.resetAndDestroy();
    } else {
      s.destroy();
    }
  }

  setNoDelay(noDelay: boolean): void {
    const s = this.#s as net.Socket;
    if (typeof s.setNoDelay === "function") s.setNoDelay(noDelay);
  }

  unref(): void {
    const s = this.#s as net.Socket;
    if (typeof s.unref === "function") s.unref();
  }

  localAddress(): SocketAddress | null {
    if (this.#path !== null) return { path: this.#path };
    const s = this.#s as net.Socket;
    return s.localAddress === undefined || s.localPort === undefined
      ? null
      : { host: s.localAddress, port: s.localPort };
  }

  remoteAddress(): SocketAddress | null {
    if (this.#path !== null) return { path: this.#path };
    const s = this.#s as net.Socket;
    return s.remoteAddress === undefined || s.remotePort === undefined
      ? null
      : { host: s.remoteAddress, port: s.remotePort };
  }
}

/**
 * A listening socket: a `net.Server`, or a `tls.Server` when the target asks
 * for TLS. A TLS connection is handed to corio once its handshake is done
 * (`secureConnection`); a failed handshake never reaches `accept()`. TLS
 * cannot pause on connect (the handshake needs to read), so its sockets are
 * held back instead by having no `data` listener until a task reads.
 */
export class NodeListener implements RawListener {
  readonly #server: net.Server;
  readonly #path: string | null;
  readonly #event: "connection" | "secureConnection";
  #onSocket: (socket: net.Socket) => void;

  constructor(target: ListenTarget, sink: ListenerSink) {
    const path = "path" in target ? target.path : null;
    this.#path = path;
    const secure = "tls" in target && target.tls !== undefined;
    const server = secure
      ? tlsServer(target.tls as tls.TlsOptions)
      : net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    this.#server = server;
    this.#event = secure ? "secureConnection" : "connection";
    this.#onSocket = (socket: net.Socket) => {
      const raw = new NodeRawStream(socket, path);
      raw.attach(sink.connection(raw));
    };
    server.on(this.#event, this.#onSocket);
    server.on("error", (error: Error) => sink.error(error));
    const options: net.ListenOptions =
      path !== null
        ? { path, backlog: target.backlog }
        : {
            host: (target as { host: string }).host,
            port: (target as { port: number }).port,
            backlog: target.backlog,
            ipv6Only: target.ipv6Only,
          };
    server.listen(options, () => sink.listening());
  }

  address(): SocketAddress {
    const a = this.#server.address();
    if (a === null || typeof a === "string") return { path: a ?? this.#path ?? "" };
    return { host: a.address, port: a.port };
  }

  close(): void {
    this.#server.close();
  }

  /** True for a TLS listener. */
  get secure(): boolean {
    return this.#event === "secureConnection";
  }

  /**
   * @internal From now on, new connections (after their TLS handshake, for a
   * TLS listener) go to `onSocket` instead of the listener's sink. Returns
   * the Node server, which the new owner closes.
   */
  takeOver(onSocket: (socket: net.Socket) => void): net.Server {
    const server = this.#server;
    server.off(this.#event, this.#onSocket);
    this.#onSocket = onSocket;
    server.on(this.#event, onSocket);
    return server;
  }
}

class NodeDatagram implements RawDatagram {
  readonly #socket: dgram.Socket;

  constructor(target: DatagramTarget, sink: DatagramSink) {
    const socket = dgram.createSocket({
      type: net.isIPv6(target.host) ? "udp6" : "udp4",
      reuseAddr: target.reuseAddr ?? false,
    });
    this.#socket = socket;
    socket.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) =>
      sink.message(msg, { host: rinfo.address, port: rinfo.port }),
    );
    socket.on("error", (error: Error) => sink.error(error));
    socket.bind(target.port, target.host, () => sink.listening());
  }

  send(data: Uint8Array | string, to: NetAddress, done: (error: Error | null) => void): void {
    this.#socket.send(data, to.port, to.host, (error) => done(error ?? null));
  }

  address(): NetAddress {
    const a = this.#socket.address();
    return { host: a.address, port: a.port };
  }

  close(): void {
    this.#socket.close();
  }
}

function tlsServer(options: tls.TlsOptions): tls.Server {
  try {
    return tls.createServer({ ...options, allowHalfOpen: true });
  } catch (error) {
    throw secureContextError(error, "listen({tls})");
  }
}

function tlsConnectOptions(
  host: string,
  port: number,
  options: TlsConnectOptions,
): tls.ConnectionOptions {
  // (Node's tls.connect honours allowHalfOpen, though its types leave it out.)
  const o: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
    ...(options as tls.ConnectionOptions),
    host,
    port,
    allowHalfOpen: true,
  };
  // SNI must be a name, never an IP address (RFC 6066; Node warns): leave it
  // out for an IP, and the certificate is checked against the IP itself.
  if (options.servername === undefined && net.isIP(host) === 0) o.servername = host;
  return o;
}

/** Node's sockets: the transport every task uses unless `withTransport` installs another. */
export const nodeTransport: Transport = {
  external: true,
  connect(target: StreamTarget, sink: StreamSink): RawStream {
    const socket =
      "path" in target
        ? net.connect({ path: target.path, allowHalfOpen: true })
        : target.tls !== undefined
          ? tls.connect(tlsConnectOptions(target.host, target.port, target.tls))
          : net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    return new NodeRawStream(socket, "path" in target ? target.path : null).attach(sink, true);
  },
  listen(target: ListenTarget, sink: ListenerSink): RawListener {
    return new NodeListener(target, sink);
  },
  bindDatagram(target: DatagramTarget, sink: DatagramSink): RawDatagram {
    return new NodeDatagram(target, sink);
  },
};
