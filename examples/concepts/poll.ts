// Tokio's model, on corio: a leaf future's poll(cx) returns its value, or PENDING after
// storing cx.waker; whoever completes the operation calls waker.wake(), and the
// executor polls again. Here the "operation" is a Node timer.
import { run } from "corio";
import { type Context, PENDING, pollFn, type Waker } from "corio/lowlevel";

function delay(ms: number) {
  let fired = false;
  let waker: Waker | null = null;
  let timer: NodeJS.Timeout | null = null;
  let polls = 0;
  return pollFn(
    (cx: Context) => {
      polls++;
      if (fired) {
        console.log(`  poll #${polls}: ready`);
        return `fired after ${ms} ms`;
      }
      waker = cx.waker; // always store the latest waker before returning PENDING
      timer ??= setTimeout(() => {
        fired = true;
        console.log("  the timer fired: waker.wake()");
        waker?.wake(); // the task goes back on the ready queue
      }, ms);
      console.log(`  poll #${polls}: PENDING (waker stored)`);
      return PENDING;
    },
    () => {
      if (timer !== null) clearTimeout(timer); // cancel(): Rust's drop
    },
    `delay ${ms} ms`,
  );
}

const value = await run(function* () {
  return yield* delay(20); // yield* polls it; the value comes back from the last poll
});
console.log(`the coroutine got: ${value}`);
