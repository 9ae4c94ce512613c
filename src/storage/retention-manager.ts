import { metricIdOf } from '../ingest/index.js';
import { buildTtlClause, globMatches, type MetricRetention } from './retention.js';
import type { Store } from './store.js';

export interface RetentionManagerOptions {
  store: Store;
  defaultSeconds: number;
  /** How often merges apply TTL (retention.cleanup_interval); the engine wants at least 60 s. */
  mergeIntervalSeconds: number;
  /** Config policies: first matching pattern wins, for every tenant. */
  patterns: readonly { pattern: string; seconds: number }[];
  /** Policies set through the admin API, per tenant and metric; they win over patterns. */
  explicit: () => Promise<readonly { tenant: string; metric: string; seconds: number }[]>;
}

/**
 * Keeps the engine's TTL rules in line with the retention policies. Patterns resolve to metric
 * ids through the metrics that exist, so `apply` runs at start, after a policy changes, and every
 * `retention.cleanup_interval` (new metrics). Changing TTL is a metadata change in the engine;
 * rows go when merges apply it.
 */
export class RetentionManager {
  readonly #o: RetentionManagerOptions;
  #applied: string | null | undefined;

  constructor(options: RetentionManagerOptions) {
    this.#o = options;
  }

  /** Recomputes the rules and alters the table when they changed; returns the clause in force. */
  async apply(): Promise<string | null> {
    const { store } = this.#o;
    const metrics = await store.rows<{ tenant: string; metric: string }>(`SELECT DISTINCT tenant, metric FROM ${store.db}.series`);
    const explicit = new Map<string, number>();
    for (const p of await this.#o.explicit()) explicit.set(`${p.tenant}\u0000${p.metric}`, p.seconds);
    const rules: MetricRetention[] = [];
    const seen = new Set<string>();
    for (const { tenant, metric } of metrics) {
      const key = `${tenant}\u0000${metric}`;
      seen.add(key);
      const seconds = explicit.get(key) ?? this.#o.patterns.find((p) => globMatches(p.pattern, metric))?.seconds;
      if (seconds !== undefined) rules.push({ metricId: metricIdOf(tenant, metric), seconds });
    }
    // A policy may be set before its metric has data.
    for (const [key, seconds] of explicit) {
      if (seen.has(key)) continue;
      const [tenant, metric] = key.split('\u0000') as [string, string];
      rules.push({ metricId: metricIdOf(tenant, metric), seconds });
    }
    const clause = buildTtlClause(rules, this.#o.defaultSeconds);
    if (clause === this.#applied) return clause;
    if (this.#applied === undefined) {
      const seconds = Math.max(60, Math.floor(this.#o.mergeIntervalSeconds));
      await store.client.command({ query: `ALTER TABLE ${store.db}.samples MODIFY SETTING merge_with_ttl_timeout = ${seconds}` });
    }
    if (clause !== null) {
      await store.client.command({ query: `ALTER TABLE ${store.db}.samples MODIFY TTL ${clause}`, clickhouse_settings: { materialize_ttl_after_modify: 0 } });
    } else {
      const [t] = await store.rows<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'samples'`, { params: { db: store.db } });
      if (t?.engine_full.includes(' TTL ')) await store.client.command({ query: `ALTER TABLE ${store.db}.samples REMOVE TTL` });
    }
    this.#applied = clause;
    return clause;
  }
}
