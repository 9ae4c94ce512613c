/**
 * Retention as engine TTL rules (seed 003 "Data Retention"): rows are dropped by the engine's
 * merges, never deleted row by row. Each distinct retention gets one rule over its metric ids;
 * the default rule covers every metric without a policy of its own.
 *
 *   TTL toDateTime(ts) + toIntervalSecond(604800) DELETE WHERE metric_id IN (…debug metrics…),
 *       toDateTime(ts) + toIntervalSecond(2592000) DELETE WHERE metric_id NOT IN (…all with a policy…)
 */
export interface MetricRetention {
  /** Decimal UInt64 metric id. */
  metricId: string;
  /** 0 keeps the metric forever. */
  seconds: number;
}

export { globMatches } from '../glob.js';

/**
 * The TTL clause of a table keyed by metric id, or null when nothing expires. Deterministic for
 * equal input. `timeExpr` is the row's time as a DateTime: `toDateTime(ts)` for samples, `bucket`
 * for rollups.
 */
export function buildTtlClause(explicit: readonly MetricRetention[], defaultSeconds: number, timeExpr = 'toDateTime(ts)'): string | null {
  const bySeconds = new Map<number, string[]>();
  for (const e of explicit) {
    if (!/^\d+$/.test(e.metricId)) throw new Error(`invalid metric id ${e.metricId}`);
    const ids = bySeconds.get(e.seconds) ?? [];
    ids.push(e.metricId);
    bySeconds.set(e.seconds, ids);
  }
  const rules: string[] = [];
  for (const [seconds, ids] of [...bySeconds].sort((a, b) => a[0] - b[0])) {
    if (seconds > 0) rules.push(`${timeExpr} + toIntervalSecond(${seconds}) DELETE WHERE metric_id IN (${[...ids].sort().join(', ')})`);
  }
  if (defaultSeconds > 0) {
    const all = explicit.map((e) => e.metricId).sort();
    rules.push(`${timeExpr} + toIntervalSecond(${defaultSeconds}) DELETE${all.length > 0 ? ` WHERE metric_id NOT IN (${all.join(', ')})` : ''}`);
  }
  return rules.length > 0 ? rules.join(', ') : null;
}
