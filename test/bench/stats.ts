/**
 * The percentile every bench prints: the value at index floor(p/100 · n) of the sorted samples
 * (p99 of 200 calls is the 199th fastest; a little above the nearest-rank definition, never below),
 * NaN when there are none.
 */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
