/**
 * UDP: `udp.bind` → `UdpSocket` with `send` and `recv`.
 *
 * The model
 * ---------
 * Datagrams arrive whether or not a task is receiving (Node's `dgram` cannot
 * pause), into a bounded queue: when it is full, new datagrams are dropped
 * and counted, as a kernel drops them when a socket's receive buffer is full.
 * Receivers wait in `arrivals` in line (arrivals.ts: a datagram wakes the
 * first; a woken receiver dropped before its poll passes the wake-up on). A
 * datagram leaves the queue only in a `recv` poll.
 *
 *   BINDING ──listening──▶ BOUND ──close()──▶ CLOSED
 *      └──────error──────▶ FAILED
 */

import type { Context, Future, Pending, Waker } from "../core/future.js";
import { PENDING } from "../core/future.js";
import { trackCreation } from "../core/instrument.js";
import type { Waiter } from "../core/parking-lot.js";
import {
  openingSite,
  type ResourceEntry,
  resourceClosed,
  resourceOpened,
} from "../core/resources.js";
import { Arrivals } from "./arrivals.js";
import { codeError, formatAddress, ioError, type SystemError } from "./errors.js";
import { IoFuture } from "./io-future.js";
import {
  currentTransport,
  type DatagramSink,
  type DatagramTarget,
  type NetAddress,
  type RawDatagram,
} from "./transport.js";

/** Options for `udp.bind`. */
export interface UdpBindOptions {
  /** The address to bind; "::1" or another IPv6 address makes an IPv6 socket. @default "127.0.0.1" */
  host?: string;
  /** The port; 0 picks a free one. @default 0 */
  port?: number;
  /** Datagrams kept while nobody receives; more are dropped (counted in `statistics()`). @default 1024 */
  queue?: number;
  /** Let several sockets bind the same address. @default false */
  reuseAddr?: boolean;
}

/** One received datagram and who sent it. */
export interface Datagram {
  data: Buffer;
  address: NetAddress;
}

const BINDING = 0;
const BOUND = 1;
const FAILED = 2;
const CLOSED = 3;

class UdpCore implements DatagramSink {
  raw: RawDatagram | null = null;
  readonly external: boolean;
  readonly name: string;
  readonly capacity: number;
  state = BINDING;
  failure: SystemError | null = null;
  bindWaker: Waker | null = null;
  dropped = 0;
  readonly arrivals = new Arrivals<Datagram>();
  /** Its entry in the runtime's open-resource registry (leak checks), or null. */
  leak: ResourceEntry | null = null;

  constructor(external: boolean, name: string, capacity: number) {
    this.external = external;
    this.name = name;
    this.capacity = capacity;
  }

  listening(): void {
    this.state = BOUND;
    const w = this.bindWaker;
    this.bindWaker = null;
    w?.wake();
  }

  message(data: Uint8Array, from: NetAddress): void {
    if (this.state === CLOSED) return;
    if (this.arrivals.length >= this.capacity) {
      this.dropped++;
      return;
    }
    const b = Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.arrivals.push({ data: b, address: from });
  }

  error(error: Error): void {
    this.failure ??= ioError(error, `${this.state === BINDING ? "bind " : ""}udp ${this.name}`);
    if (this.state === BINDING) this.state = FAILED;
    const w = this.bindWaker;
    this.bindWaker = null;
    w?.wake();
    this.arrivals.wakeAll();
  }

  close(): void {
    resourceClosed(this.leak);
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.arrivals.clear();
    try {
      this.raw?.close(); // also after a failed bind: Node keeps the handle open
    } catch {
      // already closed by the transport
    }
    this.arrivals.wakeAll();
  }
}

class BindFuture extends IoFuture<UdpSocket> {
  readonly #target: DatagramTarget;
  readonly #capacity: number;
  readonly #site = openingSite();
  #core: UdpCore | null = null;
  #done = false;

  constructor(target: DatagramTarget, capacity: number) {
    super();
    this.#target = target;
    this.#capacity = capacity;
  }

  poll(cx: Context): UdpSocket | Pending {
    let core = this.#core;
    if (core === null) {
      const transport = currentTransport();
      core = new UdpCore(transport.external, formatAddress(this.#target), this.#capacity);
      this.#core = core;
      core.bindWaker = cx.waker;
      core.raw = transport.bindDatagram(this.#target, core);
    }
    if (core.state === BOUND) {
      this.#done = true;
      this.settled();
      const socket = new UdpSocket(core);
      core.leak = resourceOpened("udp socket", () => socket.toString(), this.#site);
      return socket;
    }
    if (core.failure !== null) {
      this.#done = true;
      this.settled();
      core.close();
      throw core.failure;
    }
    core.bindWaker = cx.waker;
    this.waiting(core.external);
    return PENDING;
  }

  protected override dropped(): void {
    if (!this.#done && this.#core !== null) {
      this.#core.bindWaker = null;
      this.#core.close();
    }
  }

  override describe(): string {
    return `udp bind ${formatAddress(this.#target)}`;
  }
}

class RecvFuture extends IoFuture<Datagram> {
  readonly #core: UdpCore;
  #waiter: Waiter | null = null;

  constructor(core: UdpCore) {
    super();
    this.#core = core;
  }

  poll(cx: Context): Datagram | Pending {
    const core = this.#core;
    if (core.state === CLOSED) {
      this.#leave();
      throw codeError("ERR_SOCKET_CLOSED", `recv on udp ${core.name}: the socket is closed`);
    }
    const d = core.arrivals.take();
    if (d !== null) {
      this.#leave();
      return d;
    }
    if (core.failure !== null) {
      this.#leave();
      throw core.failure;
    }
    this.#waiter = core.arrivals.park(this.#waiter, cx.waker);
    this.waiting(core.external);
    return PENDING;
  }

  #leave(): void {
    this.#core.arrivals.leave(this.#waiter);
    this.settled();
  }

  protected override dropped(): void {
    this.#core.arrivals.drop(this.#waiter);
  }

  override describe(): string {
    return `recv udp ${this.#core.name}`;
  }
}

const SEND_NEW = 0;
const SEND_WAITING = 1;
const SEND_DONE = 2;

class SendFuture extends IoFuture<void> {
  readonly #core: UdpCore;
  readonly #data: Uint8Array | string;
  readonly #to: NetAddress;
  #state = SEND_NEW;
  #error: Error | null = null;
  #waker: Waker | null = null;

  constructor(core: UdpCore, data: Uint8Array | string, to: NetAddress) {
    super();
    this.#core = core;
    this.#data = data;
    this.#to = to;
  }

  poll(cx: Context): undefined | Pending {
    const core = this.#core;
    if (this.#state === SEND_NEW) {
      if (core.state === CLOSED) {
        throw codeError("ERR_SOCKET_CLOSED", `send on udp ${core.name}: the socket is closed`);
      }
      if (core.failure !== null) throw core.failure;
      this.#state = SEND_WAITING;
      this.#waker = cx.waker;
      (core.raw as RawDatagram).send(this.#data, this.#to, (error) => {
        if (this.#state !== SEND_WAITING) return;
        this.#state = SEND_DONE;
        if (error !== null) {
          this.#error = ioError(error, `send to ${formatAddress(this.#to)} from udp ${core.name}`);
        }
        const w = this.#waker;
        this.#waker = null;
        w?.wake();
      });
    }
    if (this.#state === SEND_DONE) {
      this.settled();
      if (this.#error !== null) throw this.#error;
      return undefined;
    }
    this.#waker = cx.waker;
    this.waiting(core.external);
    return PENDING;
  }

  protected override dropped(): void {
    this.#waker = null;
    this.#state = SEND_DONE;
  }

  override describe(): string {
    return `send udp ${formatAddress(this.#to)}`;
  }
}

/** A bound UDP socket, from `udp.bind()`. Close it (or use `using`) when done. */
export class UdpSocket implements Disposable {
  readonly #core: UdpCore;
  readonly #address: NetAddress;

  /** @internal Use `udp.bind()`. */
  constructor(core: UdpCore) {
    this.#core = core;
    this.#address = (core.raw as RawDatagram).address();
  }

  /** The bound address, with the real port when 0 was asked for. */
  get address(): NetAddress {
    return this.#address;
  }

  /**
   * Sends one datagram to `to`; completes once it was handed to the network
   * (UDP promises no delivery). A hostname is resolved first.
   *
   * Cancellation: before the first poll nothing is sent; once the send has
   * started, cancelling only stops waiting for its confirmation (the datagram
   * may still go out).
   * Throws: code EMSGSIZE (too large), ENOTFOUND (bad host),
   * ERR_SOCKET_CLOSED after `close()`.
   *
   * @example
   * yield* socket.send("ping", { host: "127.0.0.1", port: 9999 });
   */
  send(data: Uint8Array | string, to: NetAddress): Future<void> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new TypeError("send(data, to): data must be a Uint8Array (Buffer) or a string");
    }
    if (
      to === null ||
      typeof to !== "object" ||
      typeof to.host !== "string" ||
      !Number.isInteger(to.port)
    ) {
      throw new TypeError("send(data, to): `to` must be {host, port}");
    }
    return trackCreation(new SendFuture(this.#core, data, to));
  }

  /**
   * Waits for the next datagram and returns it with its sender's address.
   * Several tasks may receive at once; each datagram goes to one of them.
   *
   * Cancellation: safe; a cancelled recv took no datagram.
   * Throws: ERR_SOCKET_CLOSED once the socket is closed; the socket's error.
   *
   * @example
   * const { data, address } = yield* socket.recv();
   * yield* socket.send(data, address); // echo it back
   */
  recv(): Future<Datagram> {
    return trackCreation(new RecvFuture(this.#core));
  }

  /** Closes the socket; queued datagrams are dropped and waiting `recv`s throw. Idempotent. */
  close(): void {
    this.#core.close();
  }

  get closed(): boolean {
    return this.#core.state === CLOSED;
  }

  /** A snapshot: datagrams queued, and datagrams dropped because the queue was full. */
  statistics(): { queued: number; dropped: number; closed: boolean } {
    const c = this.#core;
    return { queued: c.arrivals.length, dropped: c.dropped, closed: this.closed };
  }

  /** `using` support: closes the socket when the block ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `UdpSocket(${formatAddress(this.#address)})`;
  }
}

/** `udp.bind`, documented there. */
function bind(options: UdpBindOptions = {}): Future<UdpSocket> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("udp.bind(options): options must be an object");
  }
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const queue = options.queue ?? 1024;
  if (typeof host !== "string") throw new TypeError("udp.bind({host}): host must be a string");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`udp.bind({port}): port must be an integer 0-65535, got ${String(port)}`);
  }
  if (!Number.isInteger(queue) || queue < 1) {
    throw new RangeError(`udp.bind({queue}): queue must be a positive integer, got ${queue}`);
  }
  return trackCreation(
    new BindFuture({ host, port, reuseAddr: options.reuseAddr ?? false }, queue),
  );
}

/** UDP sockets: `udp.bind({host, port})`. */
export const udp = {
  /**
   * Binds a UDP socket to `{host, port}` (port 0 picks a free one). Returns
   * once bound.
   *
   * Cancellation: safe; nothing stays bound.
   * Throws: code EADDRINUSE, EACCES, ENOTFOUND — with the address in the message.
   *
   * @example
   * using socket = yield* udp.bind({ host: "127.0.0.1", port: 0 });
   */
  bind,
};
