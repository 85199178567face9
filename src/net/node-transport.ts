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
 *
 * Reading TCP and Unix sockets: `onread`
 * --------------------------------------
 * A TCP or Unix socket that corio connected or accepted (not TLS) is read
 * through Node's `onread` mode: libuv reads into one buffer shared by every
 * such socket (`READ_BUFFER`), and Node calls our callback with the byte
 * count, bypassing the Readable stream (no `push`, no `'data'` event) and the
 * per-read allocation of a fresh 64 KiB backing store that the default mode
 * makes. The callback copies the bytes
 * into a buffer of their own before it returns: the next read, of this socket
 * or any other, overwrites the shared one, and a task keeps its chunks as long
 * as it likes. Read callbacks never overlap (they run one at a time on the
 * main thread, and nothing inside one starts another read), so one buffer
 * serves them all. Pausing a socket in this mode stops the kernel reads at
 * once (`readStop`), with no Readable buffer in between.
 *
 * A client socket gets `onread` through `net.connect`'s option. A server
 * socket cannot (`net.Server` takes no `onread`, Node 20 to 24), so it is
 * switched over at its first `readStart()` by setting the two fields the option
 * sets, found once by value on a probe socket (`onreadFields`); if a Node
 * version lays them out differently, the probe finds nothing and sockets use
 * the `'data'` path. Switching at the first read, not at accept, leaves a
 * socket that was never read free for another owner (`detach`, serve), which
 * could not read it in the default mode any more. TLS sockets, child-process
 * pipes and this process's stdin (which other code may read too) keep the
 * `'data'` path.
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

/** The buffer every `onread` socket reads into (the size libuv suggests for a read). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** The `net.Socket` fields behind the `onread` option: where the buffer and the callback live. */
interface OnreadFields {
  buffer: symbol;
  callback: symbol;
}

let onreadFieldsCache: OnreadFields | null | undefined;

/**
 * Finds the fields `net.Socket` stores the `onread` option in, by value on a
 * probe socket that never connects. Null if there is no such pair.
 */
function onreadFields(): OnreadFields | null {
  if (onreadFieldsCache !== undefined) return onreadFieldsCache;
  const buffer = Buffer.alloc(1);
  const callback = () => true;
  const probe = new net.Socket({ onread: { buffer, callback } } as net.SocketConstructorOpts);
  let b: symbol | null = null;
  let c: symbol | null = null;
  for (const key of Object.getOwnPropertySymbols(probe)) {
    const value = (probe as unknown as Record<symbol, unknown>)[key];
    if (value === buffer) b = key;
    else if (value === callback) c = key;
  }
  probe.destroy();
  onreadFieldsCache = b !== null && c !== null ? { buffer: b, callback: c } : null;
  return onreadFieldsCache;
}

/**
 * Node's `onread` callback: `n` bytes were read into `buf` (valid until it
 * returns). Returns true: a socket that must stop reading is paused by the sink.
 */
type OnreadCallback = (n: number, buf: Uint8Array) => boolean;

/** A libuv stream handle that can read into a buffer of ours (a StreamBase: TCP, pipe). */
interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/**
 * Switches a connected, paused server socket that was never read to
 * `onread` mode (see the module comment). False if it cannot be.
 */
function adoptOnread(socket: net.Socket, callback: OnreadCallback): boolean {
  const handle = (socket as unknown as { _handle: Partial<UserBufferHandle> | null })._handle;
  if (handle === null || typeof handle.useUserBuffer !== "function") return false;
  const fields = onreadFields();
  if (fields === null) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[fields.buffer] !== null) return s[fields.buffer] === READ_BUFFER; // already in a mode
  s[fields.buffer] = READ_BUFFER;
  s[fields.callback] = callback;
  handle.useUserBuffer(READ_BUFFER);
  return true;
}

/** A plain TCP or Unix socket (not TLS): one that can be read in `onread` mode. */
function isPlainSocket(s: NodeStream): s is net.Socket {
  return s instanceof net.Socket && !(s instanceof tls.TLSSocket);
}

/** A Node stream (socket, pipe, file stream) as a `RawStream`. */
export class NodeRawStream implements RawStream {
  readonly #s: NodeStream;
  #sink: StreamSink | null = null;
  /** Reading is wired up: a `'data'` listener, or `onread` mode. */
  #dataAttached = false;
  /** The socket was made with `onread` (a client from `connect`): no `'data'` listener, ever. */
  #madeOnread = false;
  /** An accepted socket: switched to `onread` mode at its first read. */
  readonly #adopt: boolean;
  /** For Unix sockets, Node reports no addresses: we know the path. */
  readonly #path: string | null;

  /**
   * `stream` is the Node stream, or a function that opens a socket in
   * `onread` mode with the callback it is given (a client from `connect`).
   * `adopt`: a socket the listener accepted, which corio alone reads: it is
   * switched to `onread` mode at its first read. Streams other code may also
   * read (this process's stdin) keep the `'data'` path.
   */
  constructor(
    stream: NodeStream | ((onread: OnreadCallback) => net.Socket),
    path: string | null = null,
    adopt = false,
  ) {
    if (typeof stream === "function") {
      const socket = stream(this.#onread);
      // Paused before it connects, so that it reads nothing until a task asks
      // (else Node starts reading as soon as it is connected).
      socket.pause();
      this.#s = socket;
      this.#madeOnread = true;
    } else {
      this.#s = stream;
    }
    this.#adopt = adopt;
    this.#path = path;
  }

  /**
   * The `onread` callback: copies the bytes out of the shared buffer (the next
   * read overwrites it) and hands them to the sink.
   */
  readonly #onread: OnreadCallback = (n, buf) => {
    const chunk = Buffer.allocUnsafe(n); // small chunks are slices of Node's pool
    (buf as Buffer).copy(chunk, 0, 0, n);
    (this.#sink as StreamSink).data(chunk);
    return true;
  };

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
      const onread =
        this.#madeOnread ||
        (this.#adopt && isPlainSocket(this.#s) && adoptOnread(this.#s, this.#onread));
      if (!onread) {
        const sink = this.#sink as StreamSink;
        s.on("data", (chunk: Uint8Array) => sink.data(chunk));
      }
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
      const raw = new NodeRawStream(socket, path, !secure);
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
    if ("path" in target) {
      const { path } = target;
      const open = (callback: OnreadCallback) =>
        net.connect({ path, allowHalfOpen: true, onread: { buffer: READ_BUFFER, callback } });
      return new NodeRawStream(open, path).attach(sink, true);
    }
    if (target.tls !== undefined) {
      const socket = tls.connect(tlsConnectOptions(target.host, target.port, target.tls));
      return new NodeRawStream(socket).attach(sink, true);
    }
    const { host, port } = target;
    const open = (callback: OnreadCallback) =>
      net.connect({ host, port, allowHalfOpen: true, onread: { buffer: READ_BUFFER, callback } });
    return new NodeRawStream(open).attach(sink, true);
  },
  listen(target: ListenTarget, sink: ListenerSink): RawListener {
    return new NodeListener(target, sink);
  },
  bindDatagram(target: DatagramTarget, sink: DatagramSink): RawDatagram {
    return new NodeDatagram(target, sink);
  },
};
