/** The CPU job of tour part 7, in a module of its own so a worker thread can import it. */

/** How many primes are below `n` (trial division: pure CPU). */
export function countPrimes(n: number): number {
  let count = 0;
  for (let k = 2; k < n; k++) if (isPrime(k)) count++;
  return count;
}

function isPrime(n: number): boolean {
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
