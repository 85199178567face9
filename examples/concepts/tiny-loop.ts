// The whole idea of an event loop in 40 lines (after David Beazley's task scheduler):
// coroutines yield requests ("sleep 1000"), the loop keeps a ready queue and a list
// of timers, and resumes each coroutine when what it waits for is done. Time is
// simulated so it runs instantly. corio is this, plus futures, wakers, structure,
// cancellation and real I/O.

type Request = { sleep: number };
type Coro = Generator<Request, void, void>;

function* count(name: string): Coro {
  console.log(`  ${name}: One`);
  yield { sleep: 1000 };
  console.log(`  ${name}: Two`);
}

function loop(coroutines: Coro[]): number {
  let clock = 0;
  const ready: Coro[] = [...coroutines];
  const timers: { at: number; coro: Coro }[] = [];
  while (ready.length > 0 || timers.length > 0) {
    // This while loop is the event loop.
    if (ready.length === 0) {
      timers.sort((a, b) => a.at - b.at); // nothing ready: jump to the next timer
      const timer = timers.shift() as { at: number; coro: Coro };
      clock = timer.at;
      ready.push(timer.coro);
    }
    const coro = ready.shift() as Coro;
    const result = coro.next(); // resume it until its next request (Python: send(None))
    if (!result.done) timers.push({ at: clock + result.value.sleep, coro });
  }
  return clock;
}

const elapsed = loop([count("a"), count("b"), count("c")]);
console.log(`three counters took ${elapsed} ms of simulated time, not ${3 * 1000}`);
