// The three ways to resume a generator are Python's three ways to resume a coroutine:
//   gen.next(v)   ≈ coro.send(v)    resume; the paused `yield` evaluates to v
//   gen.throw(e)  ≈ coro.throw(e)   resume by raising e at the paused `yield`
//   gen.return()  ≈ coro.close()    resume by returning: only `finally` blocks run
// corio's executor uses exactly these: next(result) when what the coroutine waited
// on is ready, throw(error) when it failed, return() when the task is cancelled.

function* worker(): Generator<string, string, number> {
  try {
    const a = yield "give me a number";
    const b = yield `got ${a}, another one`;
    return `sum ${a + b}`;
  } catch (error) {
    return `caught: ${(error as Error).message}`;
  } finally {
    console.log("  finally ran");
  }
}

const sum = worker();
console.log(sum.next().value); // run to the first yield (Python: send(None))
console.log(sum.next(2).value); // send 2
console.log(sum.next(3)); // send 3: it returns

const failing = worker();
failing.next();
console.log(failing.throw(new Error("the read failed"))); // raised at the yield

const cancelled = worker();
cancelled.next();
console.log(cancelled.return("cancelled")); // neither try nor catch: only finally
