// ping-pong: wake-up latency. Two tasks bounce a counter through two channels of capacity 1
// (ping sends v, pong answers v + 1), 200,000 round trips. Nothing is ever buffered for long, so
// every message parks one side and wakes the other: measured is ns per round trip, i.e. two full
// park -> wake -> resume cycles, the path a request/response over a channel takes.
// Peers: native uses NativeChannel(1); Effect `Queue.bounded(1)`; Effection `createChannel` (no
// capacity; with one message in flight at a time, backpressure never matters here).

import type { Task } from "corio";
import { COLD, defineWorkload, measureThroughput, strictModule } from "../harness.js";
import { NativeChannel } from "../peers/native.js";

/** Bounces a counter n times; returns its final value (n). */
type Bench = (roundTrips: number) => Promise<number>;

export default defineWorkload<Bench>({
  name: "pingpong",
  title: "200,000 round trips between two tasks over two channels of capacity 1",
  unit: "ns/round trip",
  extras: [COLD],
  impls: {
    async native() {
      return async (n) => {
        const ping = new NativeChannel<number>(1);
        const pong = new NativeChannel<number>(1);
        const ponger = async () => {
          for (;;) {
            const r = await ping.recv();
            if (r.done) return;
            await pong.send(r.value + 1);
          }
        };
        const pinger = async () => {
          let v = 0;
          for (let i = 0; i < n; i++) {
            await ping.send(v);
            const r = await pong.recv();
            if (r.done) throw new Error("pong closed");
            v = r.value;
          }
          ping.close();
          return v;
        };
        const b = ponger();
        const v = await pinger();
        await b;
        return v;
      };
    },

    async corio() {
      const { run, spawn, channel } = strictModule(await import("corio"), "corio");
      return (n) =>
        run(function* () {
          const [pingTx, pingRx] = channel<number>(1);
          const [pongTx, pongRx] = channel<number>(1);
          const ponger: Task<void> = spawn(function* () {
            for (;;) {
              const r = yield* pingRx.recv();
              if (r.done) return;
              yield* pongTx.send(r.value + 1);
            }
          });
          const pinger: Task<number> = spawn(function* () {
            let v = 0;
            for (let i = 0; i < n; i++) {
              yield* pingTx.send(v);
              const r = yield* pongRx.recv();
              if (r.done) throw new Error("pong closed");
              v = r.value;
            }
            pingTx.close();
            return v;
          });
          const v = yield* pinger;
          yield* ponger;
          return v;
        });
    },

    async effection() {
      const { run, spawn, createChannel } = await import("effection");
      return (n) =>
        run(function* () {
          const ping = createChannel<number, void>();
          const pong = createChannel<number, void>();
          // Subscribe before anything is sent: a channel drops messages nobody is subscribed to.
          const pings = yield* ping;
          const pongs = yield* pong;
          const ponger = yield* spawn(function* () {
            for (;;) {
              const r = yield* pings.next();
              if (r.done) return;
              yield* pong.send(r.value + 1);
            }
          });
          const pinger = yield* spawn(function* () {
            let v = 0;
            for (let i = 0; i < n; i++) {
              yield* ping.send(v);
              const r = yield* pongs.next();
              if (r.done) throw new Error("pong closed");
              v = r.value;
            }
            yield* ping.close();
            return v;
          });
          const v = yield* pinger;
          yield* ponger;
          return v;
        });
    },

    async effect() {
      const { Effect, Fiber, Queue } = await import("effect");
      return (n) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const ping = yield* Queue.bounded<number>(1);
            const pong = yield* Queue.bounded<number>(1);
            // Takes exactly n pings, so it needs no close (see channel.ts).
            const ponger = yield* Effect.forkChild(
              Effect.gen(function* () {
                for (let i = 0; i < n; i++) yield* Queue.offer(pong, (yield* Queue.take(ping)) + 1);
              }),
            );
            const pinger = yield* Effect.forkChild(
              Effect.gen(function* () {
                let v = 0;
                for (let i = 0; i < n; i++) {
                  yield* Queue.offer(ping, v);
                  v = yield* Queue.take(pong);
                }
                return v;
              }),
            );
            const v = yield* Fiber.join(pinger);
            yield* Fiber.join(ponger);
            return v;
          }),
        );
    },
  },

  measure: (bench, opts) =>
    measureThroughput(bench, { size: 200_000, ops: (n) => n, expected: (n) => n }, opts),
});
