/**
 * A small replicated key-value store: one leader, followers, over TCP.
 *
 * The protocol is lines of text. Clients talk to the leader:
 *   SET <key> <value>  →  OK | ERR no quorum
 *   GET <key>          →  VALUE <value> | NONE
 * The leader talks to each follower on one connection it opens:
 *   REPL <seq> <key> <value>  →  ACK <seq>
 * and a follower answers GET too (a read that may be behind the leader).
 *
 * The promise: a write the leader acknowledges with OK survives the leader's
 * crash, because OK waits until a majority (the leader and at least one
 * follower) holds it. `plantedBug: true` breaks exactly that promise in the
 * way real systems do: the leader says OK once it has *sent* the write to the
 * followers, not once one has *acknowledged* it. Sent bytes can sit in a
 * partition and die with the leader. Nothing in a happy-path test notices;
 * `explore` over the simulated network does (examples/kv/check.ts).
 *
 * The same code runs over real sockets: `npx tsx examples/kv/store.ts` starts
 * a leader and two followers on 127.0.0.1 (ports 7100-7102).
 */
import { pathToFileURL } from "node:url";
import { type Coroutine, main, Notify, sleep, spawn, taskGroup, timeout } from "corio";
import { connect, listen, type TcpStream } from "corio/net";

interface Replica {
  host: string;
  port: number;
  conn: TcpStream | null;
  /** The highest sequence number this follower acknowledged. */
  acked: number;
}

export interface LeaderOptions {
  host?: string;
  port: number;
  followers: { host: string; port: number }[];
  /** How long a SET waits for a follower's ACK. @default 1000 */
  quorumTimeoutMs?: number;
  /** The planted bug: say OK once the write is sent, not once it is acknowledged. */
  plantedBug?: boolean;
}

/** Runs a leader until cancelled. */
export function* kvLeader(options: LeaderOptions): Coroutine<void> {
  const data = new Map<string, string>();
  /** Every write in order; a follower that (re)connects is sent all of it (applying is idempotent). */
  const log: string[] = [];
  const ackArrived = new Notify();
  const replicas: Replica[] = options.followers.map((f) => ({ ...f, conn: null, acked: 0 }));

  // One task per follower keeps its connection up and reads its ACKs.
  for (const replica of replicas) spawn(() => followReplica(replica, log, ackArrived));

  function* handle(conn: TcpStream): Coroutine<void> {
    for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
      const [cmd, key = "", ...rest] = line.split(" ");
      if (cmd === "GET") {
        const v = data.get(key);
        yield* conn.write(v === undefined ? "NONE\n" : `VALUE ${v}\n`);
        continue;
      }
      if (cmd !== "SET") {
        yield* conn.write("ERR unknown command\n");
        continue;
      }
      const value = rest.join(" ");
      data.set(key, value);
      const entry = `REPL ${log.length + 1} ${key} ${value}\n`;
      log.push(entry);
      const seq = log.length;
      for (const r of replicas) {
        if (r.conn !== null) yield* sendQuietly(r.conn, entry);
      }
      if (options.plantedBug) {
        yield* conn.write("OK\n"); // BUG: sent is not stored
        continue;
      }
      const stored = yield* waitForAck(replicas, seq, ackArrived, options.quorumTimeoutMs ?? 1000);
      yield* conn.write(stored ? "OK\n" : "ERR no quorum\n");
    }
  }

  using listener = yield* listen({ host: options.host ?? "0.0.0.0", port: options.port });
  yield* listener.serve(function* (conn) {
    try {
      yield* handle(conn);
    } catch {
      // A client that went away mid-request: nothing to clean up.
    }
  });
}

/** Writes `entry` to a follower; a broken connection is the follower task's to notice. */
function* sendQuietly(conn: TcpStream, entry: string): Coroutine<void> {
  try {
    yield* conn.write(entry);
  } catch {
    // The follower's reader sees the same failure and reconnects.
  }
}

/** True once some follower acknowledged `seq`, false after `ms`. */
function* waitForAck(
  replicas: Replica[],
  seq: number,
  ackArrived: Notify,
  ms: number,
): Coroutine<boolean> {
  try {
    yield* timeout(ms, untilAcked(replicas, seq, ackArrived));
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns once some follower acknowledged `seq`. Module-level and called per
 * SET, not a `function*` written inline per request (docs/concepts.md, "the fast idiom").
 */
function* untilAcked(replicas: Replica[], seq: number, ackArrived: Notify): Coroutine<void> {
  while (!replicas.some((r) => r.acked >= seq)) yield* ackArrived.notified();
}

/** Keeps one follower connected: connect (retrying), send it the log, read its ACKs. */
function* followReplica(replica: Replica, log: string[], ackArrived: Notify): Coroutine<void> {
  for (;;) {
    try {
      using conn = yield* connect({ host: replica.host, port: replica.port, timeout: 1000 });
      replica.conn = conn;
      for (const entry of [...log]) yield* conn.write(entry);
      for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
        const [word, seq] = line.split(" ");
        if (word === "ACK") {
          replica.acked = Math.max(replica.acked, Number(seq));
          ackArrived.notifyAll();
        }
      }
    } catch {
      // Refused, reset or timed out: try again below.
    } finally {
      replica.conn = null;
    }
    yield* sleep(100);
  }
}

/** Runs a follower until cancelled: applies REPL lines, answers GET. */
export function* kvFollower(options: { host?: string; port: number }): Coroutine<void> {
  const data = new Map<string, string>();
  using listener = yield* listen({ host: options.host ?? "0.0.0.0", port: options.port });
  yield* listener.serve(function* (conn) {
    try {
      yield* replicate(conn);
    } catch {
      // The leader's connection broke (reset by its crash): it reconnects.
    }
  });

  function* replicate(conn: TcpStream): Coroutine<void> {
    for (let line = yield* conn.readLine(); line !== null; line = yield* conn.readLine()) {
      const [cmd, a = "", b = "", ...rest] = line.split(" ");
      if (cmd === "REPL") {
        const seq = Number(a);
        data.set(b, rest.join(" "));
        yield* conn.write(`ACK ${seq}\n`);
      } else if (cmd === "GET") {
        const v = data.get(a);
        yield* conn.write(v === undefined ? "NONE\n" : `VALUE ${v}\n`);
      } else {
        yield* conn.write("ERR unknown command\n");
      }
    }
  }
}

/** One request, one reply line (null if the server closed the connection). */
export function* request(conn: TcpStream, line: string): Coroutine<string | null> {
  yield* conn.write(`${line}\n`);
  return yield* conn.readLine();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(() =>
    taskGroup(function* (group) {
      group.spawn(() => kvFollower({ host: "127.0.0.1", port: 7101 }));
      group.spawn(() => kvFollower({ host: "127.0.0.1", port: 7102 }));
      group.spawn(() =>
        kvLeader({
          host: "127.0.0.1",
          port: 7100,
          followers: [
            { host: "127.0.0.1", port: 7101 },
            { host: "127.0.0.1", port: 7102 },
          ],
        }),
      );
      console.log("kv leader on 127.0.0.1:7100 (SET k v / GET k), followers on 7101, 7102");
    }),
  );
}
