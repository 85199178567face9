// Tokio's select!: wait for the first of several operations; the others are dropped.
// corio's select({...}) runs each as a child task, returns the first to finish with
// its key, and cancels the others, waiting for their cleanup, before it returns.
// (asyncio: asyncio.wait(..., return_when=FIRST_COMPLETED), then cancel the rest.)
import { type Coroutine, select, sleep } from "corio";
import { runTest } from "corio/testing";

function* replica(name: string, ms: number): Coroutine<string> {
  try {
    yield* sleep(ms);
    console.log(`  ${name}: answered`);
    return `answer from ${name}`;
  } finally {
    console.log(`  ${name}: finally`); // the losers get here by cancellation
  }
}

await runTest(function* () {
  const { key, value } = yield* select({
    east: replica("east", 50),
    west: replica("west", 30),
    slow: replica("slow", 1000),
  });
  console.log(`select → ${key}: ${value}`);
});
