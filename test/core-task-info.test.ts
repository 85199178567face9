/** What a Task tells about itself: state and what it waits on, as it moves through its life. */
import { type Coroutine, channel, Runtime, sleep, spawn, type Task } from "corio";
import { runTest } from "corio/testing";
import { describe, expect, it } from "vitest";

describe("Task", () => {
  it("waitingOn names the pending operation while parked, null otherwise", async () => {
    await runTest(function* () {
      const [tx, rx] = channel<number>(1);
      const sleeper = spawn(
        function* () {
          yield* sleep(250);
        },
        { name: "sleeper" },
      );
      const receiver = spawn(
        function* () {
          return yield* rx.recv();
        },
        { name: "receiver" },
      );
      expect(sleeper.state).toBe("scheduled");
      expect(sleeper.waitingOn).toBeNull();
      yield* sleep(100);
      expect(sleeper.state).toBe("waiting");
      // The requested duration is kept only when the run is observed (stats, trace, debug):
      // it would cost every sleeping task 8 bytes (docs/observability.md).
      expect(sleeper.waitingOn).toBe("sleep (150 ms left)");
      expect(receiver.waitingOn).toMatch(/^recv on channel#\d+$/);
      const parent = spawn(function* (): Coroutine<void> {
        // A body that ends cancels its children; this one cleans up slowly.
        spawn(function* () {
          try {
            yield* sleep(10);
          } finally {
            yield* sleep(5);
          }
        });
        yield* sleep(2); // the child is asleep by now, so its cleanup will run
      });
      const joiner = spawn(
        function* () {
          yield* parent;
        },
        { name: "joiner" },
      );
      yield* sleep(3);
      expect(parent.waitingOn).toBe("its children to finish");
      expect(joiner.waitingOn).toMatch(/^join task#\d+$/);
      tx.trySend(1);
      yield* receiver;
      expect(receiver.waitingOn).toBeNull();
      yield* sleeper;
      expect(sleeper.waitingOn).toBeNull();
    });
  });

  it("waitingOn is null while the task runs", async () => {
    const rt = new Runtime();
    let seen: string | null | undefined;
    const me: Task<void> = rt.spawn(function* () {
      seen = me.waitingOn;
    });
    await rt.run(function* () {
      yield* me;
    });
    expect(seen).toBeNull();
  });
});
