// Cancellation: task.cancel() (asyncio: task.cancel(); Tokio: handle.abort(), or drop).
// It takes effect where the task waits: the pending operation is dropped, then the
// generator's return() runs every `finally`, which may itself wait. `catch` does not
// see it (unlike asyncio, where CancelledError can be caught and even swallowed).
import { CancelledError, sleep, spawn } from "corio";
import { runTest } from "corio/testing";

await runTest(function* () {
  const download = spawn(function* () {
    try {
      yield* sleep(10_000);
    } catch {
      console.log("  never printed: catch does not see a cancel");
    } finally {
      console.log("  finally: closing the connection...");
      yield* sleep(50); // asynchronous cleanup is allowed
      console.log("  finally: closed");
    }
  });
  yield* sleep(100);
  download.cancel("the user gave up");
  try {
    yield* download; // the join waits for the cleanup to finish
  } catch (error) {
    if (error instanceof CancelledError) console.log(`joined: cancelled (${error.reason})`);
  }
  console.log(`state: ${download.state}`);
});
