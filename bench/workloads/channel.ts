// channel: message-passing throughput. One producer task sends 1,000,000 numbers through a bounded
// channel of capacity 1024 to one consumer task, which sums them until the channel is closed and
// drained. Measured: ns per message — the cost of send + receive when both sides mostly find the
// buffer neither empty nor full, plus the wake-ups when one side catches up with the other.
// Every implementation starts the producer first. (For native the order matters: started first,
// the consumer finds the buffer empty and parks on a fresh promise for every message, ~340 ns/msg
// instead of ~200 here; producer-first lets it read from the buffer, its best case.)
// Peers: native is NativeChannel (peers/native.ts). Effection 4 has no bounded channel:
// `createChannel` is an unbounded broadcast with no backpressure (a send never waits; it resolves
// at once and re-enqueues the sender behind the woken receiver), so its number is not like for
// like. Effect: `Queue.bounded(1024)`; its consumer takes exactly n messages instead of waiting for
// a close (ending an Effect queue turns `take` into a failure, not a value).

import type { Task } from "corio";
import { COLD, defineWorkload, measureThroughput, strictModule } from "../harness.js";
import { NativeChannel } from "../peers/native.js";

const CAPACITY = 1024;

/** Sends 0..n-1 through the channel and returns the consumer's sum. */
type Bench = (messages: number) => Promise<number>;

export default defineWorkload<Bench>({
  name: "channel",
  title: "1,000,000 messages, one producer -> one consumer, bounded channel of 1024",
  unit: "ns/msg",
  extras: [COLD],
  impls: {
    async native() {
      return async (n) => {
        const ch = new NativeChannel<number>(CAPACITY);
        const consumer = async () => {
          let sum = 0;
          for (;;) {
            const r = await ch.recv();
            if (r.done) return sum;
            sum += r.value;
          }
        };
        const producer = async () => {
          for (let i = 0; i < n; i++) await ch.send(i);
          ch.close();
        };
        const p = producer();
        const c = consumer();
        await p;
        return c;
      };
    },

    async corio() {
      const { run, spawn, channel } = strictModule(await import("corio"), "corio");
      return (n) =>
        run(function* () {
          const [tx, rx] = channel<number>(CAPACITY);
          const producer: Task<void> = spawn(function* () {
            for (let i = 0; i < n; i++) yield* tx.send(i);
            tx.close();
          });
          const consumer: Task<number> = spawn(function* () {
            let sum = 0;
            for (;;) {
              const r = yield* rx.recv();
              if (r.done) return sum;
              sum += r.value;
            }
          });
          yield* producer;
          return yield* consumer;
        });
    },

    async effection() {
      const { run, spawn, createChannel } = await import("effection");
      return (n) =>
        run(function* () {
          const ch = createChannel<number, void>();
          // Subscribe before anything is sent: a channel drops messages nobody is subscribed to.
          const subscription = yield* ch;
          const producer = yield* spawn(function* () {
            for (let i = 0; i < n; i++) yield* ch.send(i);
            yield* ch.close();
          });
          const consumer = yield* spawn(function* () {
            let sum = 0;
            for (;;) {
              const r = yield* subscription.next();
              if (r.done) return sum;
              sum += r.value;
            }
          });
          yield* producer;
          return yield* consumer;
        });
    },

    async effect() {
      const { Effect, Fiber, Queue } = await import("effect");
      return (n) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const q = yield* Queue.bounded<number>(CAPACITY);
            const producer = yield* Effect.forkChild(
              Effect.gen(function* () {
                for (let i = 0; i < n; i++) yield* Queue.offer(q, i);
              }),
            );
            const consumer = yield* Effect.forkChild(
              Effect.gen(function* () {
                let sum = 0;
                for (let i = 0; i < n; i++) sum += yield* Queue.take(q);
                return sum;
              }),
            );
            yield* Fiber.join(producer);
            return yield* Fiber.join(consumer);
          }),
        );
    },
  },

  measure: (bench, opts) =>
    measureThroughput(
      bench,
      { size: 1_000_000, ops: (n) => n, expected: (n) => (n * (n - 1)) / 2 },
      opts,
    ),
});
