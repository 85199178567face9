/**
 * `SimNetwork`: the `Transport` a simulation installs, with its hosts.
 *
 * The model
 * ---------
 * A host is a name and an address (10.0.0.N, in the order hosts were made).
 * Every `listen`, `connect` and `udp.bind` acts as the host of the task that
 * calls it (a task-local set for a host's body; the simulation's own body is
 * the host "main"). A host's ports, listeners, connections and UDP sockets
 * are its own; `localhost` and `127.0.0.1` name the calling host. Names are
 * resolved here: an unknown one fails with `ENOTFOUND`, as Node's resolver.
 *
 * Connecting sends a SYN on the link to the target host; on arrival the
 * target's listener accepts it (or the attempt is refused, with the answer
 * travelling back), and the answer's arrival completes the connect. A host
 * that is down answers nothing: the connect waits for its timeout, as a
 * SYN to a powered-off machine does.
 */
import { TaskLocal } from "../../core/task-local.js";
import { codeError, type SystemError } from "../../net/errors.js";
import type {
  DatagramSink,
  DatagramTarget,
  ListenerSink,
  ListenTarget,
  NetAddress,
  RawDatagram,
  RawListener,
  RawStream,
  StreamSink,
  StreamTarget,
  Transport,
} from "../../net/transport.js";
import type { Links } from "./links.js";
import { SimStream } from "./streams.js";

/** One simulated machine. */
export class SimHost {
  up = true;
  readonly streams = new Set<SimStream>();
  readonly listeners = new Map<number, SimListener>();
  readonly datagrams = new Map<number, SimDatagram>();
  #nextPort = 49152;

  constructor(
    readonly name: string,
    readonly ip: string,
  ) {}

  /** A free ephemeral port. */
  ephemeral(): number {
    for (;;) {
      const p = this.#nextPort++;
      if (this.#nextPort > 65535) this.#nextPort = 49152;
      if (!this.listeners.has(p) && !this.datagrams.has(p)) return p;
    }
  }

  /** Power cut: every socket of the host is gone, peers are reset. */
  powerOff(): void {
    this.up = false;
    for (const s of [...this.streams]) s.crash();
    for (const l of [...this.listeners.values()]) l.close();
    for (const d of [...this.datagrams.values()]) d.close();
  }
}

/** The host of the current task (set for each host's body). */
export const hostLocal = new TaskLocal<SimHost | null>(null);

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);
const ANY = new Set(["0.0.0.0", "::"]);

class SimListener implements RawListener {
  #closed = false;
  constructor(
    readonly host: SimHost,
    readonly port: number,
    readonly shown: string,
    readonly sink: ListenerSink,
  ) {}
  address(): NetAddress {
    return { host: this.shown, port: this.port };
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.host.listeners.get(this.port) === this) this.host.listeners.delete(this.port);
  }
}

class SimDatagram implements RawDatagram {
  #closed = false;
  constructor(
    readonly net: SimNetwork,
    readonly host: SimHost,
    readonly port: number,
    readonly sink: DatagramSink,
  ) {}
  send(data: Uint8Array | string, to: NetAddress, done: (error: Error | null) => void): void {
    if (this.#closed) {
      done(codeError("ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running"));
      return;
    }
    const target = this.net.resolve(to.host, this.host);
    if (target === null) {
      done(notFound(to.host));
      return;
    }
    const b = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    const from = { host: this.host.ip, port: this.port };
    const links = this.net.links;
    if (links.lost(this.host.name, target.name)) {
      links.note(`${this.host.name}>${target.name} udp ${b.length} lost`);
    } else {
      links.send(this.host.name, target.name, {
        datagram: true,
        what: `udp ${b.length} :${to.port}`,
        deliver: () => {
          if (target.up) target.datagrams.get(to.port)?.sink.message(b, from);
        },
      });
    }
    done(null); // UDP: a datagram nobody receives is silently lost
  }
  address(): NetAddress {
    return { host: this.host.ip, port: this.port };
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.host.datagrams.get(this.port) === this) this.host.datagrams.delete(this.port);
  }
}

function notFound(name: string): SystemError {
  const e = codeError("ENOTFOUND", `getaddrinfo ENOTFOUND ${name}`);
  e.syscall = "getaddrinfo";
  (e as SystemError & { hostname: string }).hostname = name;
  return e;
}

export class SimNetwork implements Transport {
  readonly external = false;
  readonly links: Links;
  readonly main: SimHost;
  readonly #byName = new Map<string, SimHost>();
  readonly #byIp = new Map<string, SimHost>();

  constructor(links: Links) {
    this.links = links;
    this.main = this.addHost("main");
  }

  addHost(name: string): SimHost {
    const host = new SimHost(name, `10.0.0.${this.#byName.size + 1}`);
    this.#byName.set(name, host);
    this.#byIp.set(host.ip, host);
    return host;
  }

  host(name: string): SimHost | undefined {
    return this.#byName.get(name);
  }

  /** The host a name or address stands for, seen from `from`; null if unknown. */
  resolve(name: string, from: SimHost): SimHost | null {
    if (LOOPBACK.has(name)) return from;
    return this.#byName.get(name) ?? this.#byIp.get(name) ?? null;
  }

  current(): SimHost {
    return hostLocal.get() ?? this.main;
  }

  connect(target: StreamTarget, sink: StreamSink): RawStream {
    const from = this.current();
    if ("path" in target) {
      const fake = new SimStream(
        this.links,
        from,
        from,
        { host: from.ip, port: 0 },
        { host: "", port: 0 },
        sink,
      );
      fake._failed(unsupported(`connect to ${target.path} (a Unix domain socket)`));
      return fake;
    }
    const to = this.resolve(target.host, from);
    const local = { host: from.ip, port: from.ephemeral() };
    const remote = { host: to?.ip ?? target.host, port: target.port };
    const client = new SimStream(this.links, from, to ?? from, local, remote, sink);
    if (target.tls !== undefined)
      client._failed(unsupported(`connect to ${target.host}:${target.port} with TLS`));
    else if (to === null) client._failed(notFound(target.host));
    else {
      this.links.send(from.name, to.name, {
        datagram: false,
        what: `syn :${target.port}`,
        deliver: () => this.#syn(client, from, to, local, remote),
      });
    }
    return client;
  }

  /** A SYN arrived at `to`: accept it on a listener, or refuse. */
  #syn(client: SimStream, from: SimHost, to: SimHost, local: NetAddress, remote: NetAddress): void {
    if (!to.up) return; // a powered-off machine answers nothing
    const listener = to.listeners.get(remote.port);
    if (listener === undefined) {
      this.links.send(to.name, from.name, {
        datagram: false,
        what: "rst (refused)",
        deliver: () =>
          client._failed(
            codeError("ECONNREFUSED", `connect ECONNREFUSED ${remote.host}:${remote.port}`),
          ),
      });
      return;
    }
    const server = new SimStream(this.links, to, from, remote, local, null);
    server.peer = client;
    this.links.send(to.name, from.name, {
      datagram: false,
      what: "syn-ack",
      deliver: () => client._established(server),
    });
    server.sink = listener.sink.connection(server);
  }

  listen(target: ListenTarget, sink: ListenerSink): RawListener {
    const host = this.current();
    if ("path" in target) {
      const l = new SimListener(host, 0, target.path, sink);
      sink.error(unsupported(`listen on ${target.path} (a Unix domain socket)`));
      return l;
    }
    const port = target.port === 0 ? host.ephemeral() : target.port;
    const shown = ANY.has(target.host) || LOOPBACK.has(target.host) ? target.host : host.ip;
    const listener = new SimListener(host, port, shown, sink);
    if (target.tls !== undefined) {
      sink.error(unsupported(`listen on ${target.host}:${target.port} with TLS`));
    } else if (!this.#isOwn(host, target.host)) {
      sink.error(
        codeError(
          "EADDRNOTAVAIL",
          `listen EADDRNOTAVAIL: address not available ${target.host}:${target.port} (host "${host.name}" listens on 0.0.0.0, "${host.name}" or ${host.ip})`,
        ),
      );
    } else if (host.listeners.has(port)) {
      sink.error(
        codeError("EADDRINUSE", `listen EADDRINUSE: address already in use ${host.name}:${port}`),
      );
    } else {
      host.listeners.set(port, listener);
      sink.listening();
    }
    return listener;
  }

  bindDatagram(target: DatagramTarget, sink: DatagramSink): RawDatagram {
    const host = this.current();
    const port = target.port === 0 ? host.ephemeral() : target.port;
    const socket = new SimDatagram(this, host, port, sink);
    if (!this.#isOwn(host, target.host)) {
      sink.error(codeError("EADDRNOTAVAIL", `bind EADDRNOTAVAIL ${target.host}:${target.port}`));
    } else if (host.datagrams.has(port)) {
      sink.error(codeError("EADDRINUSE", `bind EADDRINUSE ${host.name}:${port}`));
    } else {
      host.datagrams.set(port, socket);
      sink.listening();
    }
    return socket;
  }

  #isOwn(host: SimHost, address: string): boolean {
    return (
      ANY.has(address) || LOOPBACK.has(address) || address === host.name || address === host.ip
    );
  }
}

function unsupported(what: string): Error {
  return codeError(
    "ERR_SIM_UNSUPPORTED",
    `simulated network: ${what}: not simulated (only plain TCP and UDP between hosts); test it over real loopback`,
  );
}
