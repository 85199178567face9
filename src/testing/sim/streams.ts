/**
 * A simulated TCP connection: one `SimStream` per end, joined through the
 * links of the simulated network.
 *
 * The model
 * ---------
 * Each end has an inbox of bytes that have arrived but not been read. A
 * `write()` puts the bytes on the link towards the peer at once and counts
 * them as *unacknowledged* until the peer's reader takes them from its inbox;
 * `write()` returns false once that count reaches `HIGH_WATER` and `drain`
 * follows when the reader catches up, so a slow reader holds the writer back
 * as over TCP (acknowledgements themselves travel instantly: a simplification
 * that keeps backpressure without modelling windows).
 *
 * FIN and RST travel on the link behind the data, so a peer reads every byte
 * before EOF, and sees ECONNRESET only after the bytes sent before the reset.
 * A packet that reaches an end already gone is answered with a reset, as a
 * real host answers a segment for a closed port, unless that host is down.
 *
 * States of an end: connecting (no peer yet) → open → `#wroteEnd` (our FIN
 * sent) / `#eofArrived` (peer's FIN in the inbox) / `#endDelivered` (our sink
 * saw it); gone when both directions are done, on destroy, reset or crash
 * (`closed` once, in a microtask as Node sends it).
 */
import { codeError } from "../../net/errors.js";
import type { NetAddress, RawStream, StreamSink } from "../../net/transport.js";
import type { Links } from "./links.js";

/** Unread bytes a writer may have in flight before `write()` says wait. */
export const HIGH_WATER = 64 * 1024;

/** What a stream needs to know about the host it lives on. */
export interface StreamHost {
  readonly name: string;
  /** False while the host is powered off. */
  readonly up: boolean;
  readonly streams: Set<SimStream>;
}

export class SimStream implements RawStream {
  sink: StreamSink | null;
  peer: SimStream | null = null;
  readonly #links: Links;
  readonly host: StreamHost;
  readonly peerHost: StreamHost;
  readonly #local: NetAddress;
  readonly #remote: NetAddress;
  #inbox: Buffer[] = [];
  #reading = false;
  #pumping = false;
  /** Our bytes sent and not yet read by the peer. */
  #unacked = 0;
  #needDrain = false;
  #wroteEnd = false;
  #eofArrived = false;
  #endDelivered = false;
  #gone = false;

  constructor(
    links: Links,
    host: StreamHost,
    peerHost: StreamHost,
    local: NetAddress,
    remote: NetAddress,
    sink: StreamSink | null,
  ) {
    this.#links = links;
    this.host = host;
    this.peerHost = peerHost;
    this.#local = local;
    this.#remote = remote;
    this.sink = sink;
    host.streams.add(this);
  }

  get gone(): boolean {
    return this.#gone;
  }

  readStart(): void {
    this.#reading = true;
    this.#pump();
  }

  readStop(): void {
    this.#reading = false;
  }

  write(chunk: Uint8Array | string): boolean {
    if (this.#gone || this.#wroteEnd) return true;
    const b = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    if (b.length === 0) return true;
    this.#unacked += b.length;
    this.#send(`data ${b.length}`, (peer) => peer.#arrive(b));
    if (this.#unacked >= HIGH_WATER) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (this.#gone || this.#wroteEnd) return;
    this.#wroteEnd = true;
    this.#send("fin", (peer) => peer.#arriveFin());
    this.sink?.finish();
    this.#maybeGone();
  }

  destroy(reset = false): void {
    if (this.#gone) return;
    const wroteEnd = this.#wroteEnd;
    this.#goneNow();
    if (reset) this.#send("rst", (peer) => peer.#arriveReset());
    else if (!wroteEnd) this.#send("fin", (peer) => peer.#arriveFin());
  }

  /** The host lost power: gone at once, the peer is reset. */
  crash(): void {
    if (this.#gone) return;
    this.#goneNow();
    this.#send("rst", (peer) => peer.#arriveReset());
  }

  setNoDelay(): void {}

  localAddress(): NetAddress {
    return this.#local;
  }

  remoteAddress(): NetAddress {
    return this.#remote;
  }

  /** @internal The peer's reader took `n` of our bytes. */
  _acked(n: number): void {
    this.#unacked -= n;
    if (this.#needDrain && this.#unacked < HIGH_WATER && !this.#gone) {
      this.#needDrain = false;
      this.sink?.drain();
    }
  }

  /** @internal The connection was accepted: the listener's answer arrived. */
  _established(peer: SimStream): void {
    if (this.#gone) {
      this.#arriveResetLater(peer); // we gave up (a connect timeout): reset the accepted end
      return;
    }
    this.peer = peer;
    this.sink?.connected();
  }

  /** @internal The connection attempt failed (`ECONNREFUSED`, ...). */
  _failed(error: Error): void {
    this.#fail(error);
  }

  /** Sends one packet towards the peer; `deliver` runs on arrival if the peer is still there. */
  #send(what: string, deliver: (peer: SimStream) => void): void {
    const peer = this.peer;
    if (peer === null) return; // not connected: nothing to send to
    this.#links.send(this.host.name, this.peerHost.name, {
      datagram: false,
      what,
      deliver: () => {
        if (!peer.#gone) deliver(peer);
        else if (what !== "rst" && peer.host.up) peer.#arriveResetLater(this);
      },
    });
  }

  /** A packet reached `this` after it was gone: answer `sender` with a reset. */
  #arriveResetLater(sender: SimStream): void {
    this.#links.send(this.host.name, sender.host.name, {
      datagram: false,
      what: "rst",
      deliver: () => sender.#arriveReset(),
    });
  }

  #arrive(b: Buffer): void {
    this.#inbox.push(b);
    this.#pump();
  }

  #arriveFin(): void {
    this.#eofArrived = true;
    this.#pump();
  }

  #arriveReset(): void {
    this.#fail(codeError("ECONNRESET", "read ECONNRESET"));
  }

  /** Delivers inbox bytes (and then EOF) while reading. */
  #pump(): void {
    if (this.#pumping || this.#gone) return; // a sink restarted reading from inside data()
    this.#pumping = true;
    let taken = 0;
    try {
      while (this.#reading && this.#inbox.length > 0 && !this.#gone) {
        const b = this.#inbox.shift() as Buffer;
        taken += b.length;
        this.sink?.data(b);
      }
    } finally {
      this.#pumping = false;
    }
    if (taken > 0) this.peer?._acked(taken);
    if (this.#inbox.length === 0 && this.#eofArrived && !this.#endDelivered && !this.#gone) {
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
    this.host.streams.delete(this);
    const sink = this.sink;
    queueMicrotask(() => sink?.closed());
  }
}
