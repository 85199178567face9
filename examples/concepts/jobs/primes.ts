// The CPU job of examples/concepts/cpu.ts, in a module of its own so a worker
// thread can import it (runInWorker takes a module and an export name).

/** How many primes n satisfy `from <= n < to` (trial division: pure CPU, no allocation). */
export function countPrimesIn(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(from, 2); n < to; n++) if (isPrime(n)) count++;
  return count;
}

function isPrime(n: number): boolean {
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
