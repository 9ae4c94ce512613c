/** Reference computations the integration tests compare the engine against. */

/** numpy.percentile's default ("linear", R-7): interpolate between the closest ranks. */
export function percentileLinear(values: readonly number[], p: number): number {
  const xs = [...values].sort((a, b) => a - b);
  const h = (xs.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return xs[lo]! + (h - lo) * (xs[hi]! - xs[lo]!);
}

/** Trapezoid rule over (ms, value) points, in value·seconds. */
export function trapezoid(points: readonly [number, number][]): number {
  const ps = [...points].sort((a, b) => a[0] - b[0]);
  let area = 0;
  for (let i = 1; i < ps.length; i++) area += ((ps[i]![1] + ps[i - 1]![1]) / 2) * ((ps[i]![0] - ps[i - 1]![0]) / 1000);
  return area;
}

/**
 * Documented rate: each delta between consecutive points of a series counts in the bucket of the
 * later point (buckets aligned to multiples of the interval since the epoch); negative deltas count
 * as 0; the bucket's sum is divided by the interval in seconds.
 */
export function rateBuckets(points: readonly [number, number][], intervalMs: number): Map<number, number> {
  const ps = [...points].sort((a, b) => a[0] - b[0]);
  const out = new Map<number, number>();
  for (let i = 1; i < ps.length; i++) {
    const bucket = Math.floor(ps[i]![0] / intervalMs) * intervalMs;
    const inc = Math.max(0, ps[i]![1] - ps[i - 1]![1]);
    out.set(bucket, (out.get(bucket) ?? 0) + inc / (intervalMs / 1000));
  }
  return out;
}
