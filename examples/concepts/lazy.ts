// A coroutine is an object that does nothing until something resumes it.
// Python: `c = fetch()` runs nothing either; the event loop's `c.send(None)` starts it.
import { run, sleep } from "corio";

function* fetch() {
  console.log("  fetch: started");
  yield* sleep(10); // a suspension point: hand control back until the sleep is over
  console.log("  fetch: resumed");
  return "data";
}

const coroutine = fetch();
console.log("created a coroutine object; nothing ran");

// One resume by hand, as the runtime does: it runs to the first suspension and
// hands out what it waits on, a Future. A runtime would poll it and park the task.
const first = coroutine.next();
console.log(
  `next() → it yielded a Future: ${!first.done && typeof first.value.poll === "function"}`,
);
coroutine.return("dropped"); // drop it (Python: c.close())

// Normally the runtime drives it: run() is asyncio.run().
console.log(`run() → ${await run(fetch)}`);
