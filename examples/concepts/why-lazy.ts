// Why lazy: calling a coroutine function runs nothing, so work that is
// cancelled before it starts has done nothing. An async function is eager: by
// the time you hold its Promise the work is under way, and nothing can take it
// back — not a timeout that already fired, not a caller that lost interest.
import { CancelledError, run, sleep, spawn } from "corio";

const sent: string[] = [];

async function sendEmailAsync(to: string): Promise<void> {
  sent.push(to); // runs at the call, before anyone awaits
  await new Promise((resolve) => setTimeout(resolve, 10));
}

function* sendEmail(to: string) {
  sent.push(to); // runs when a task first resumes the coroutine, not before
  yield* sleep(10);
}

// Eager: a race against a timeout that has already fired still sends the email.
const expired = new Promise((resolve) => setTimeout(resolve, 0, "timed out"));
await new Promise((resolve) => setTimeout(resolve, 5));
console.log(`Promise.race → ${await Promise.race([expired, sendEmailAsync("ann")])}`);
console.log(`  sent to: [${sent.join(", ")}] (the loser ran anyway)`);

// Lazy: the call builds an object; dropping it unused costs nothing.
const unused = sendEmail("bob");
unused.return(undefined);
console.log(`a coroutine made and dropped → sent to: [${sent.join(", ")}]`);

// Cancelled before its first step: the task ends without running a line of its body.
await run(function* () {
  const task = spawn(sendEmail("cat"), { name: "email cat" });
  task.cancel("changed my mind");
  try {
    yield* task;
  } catch (error) {
    if (error instanceof CancelledError) console.log(`task cancelled (${error.reason})`);
  }
  console.log(`  sent to: [${sent.join(", ")}] (the task never started)`);
});
