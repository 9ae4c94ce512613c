import { metricIdOf } from '../ingest/index.js';
import { buildTtlClause, globMatches, type MetricRetention } from './retention.js';
import type { Store } from './store.js';
import { moveRules, type Tiers } from './tiers.js';

/** Retention of one metric per table: raw samples and each rollup level (seconds; 0 keeps forever). */
export interface TableSeconds {
  raw: number;
  '1m': number;
  '1h': number;
}

export interface RetentionManagerOptions {
  store: Store;
  /** Retention of a metric no policy names. */
  defaults: TableSeconds;
  /** How often merges apply TTL (retention.cleanup_interval); the engine wants at least 60 s. */
  mergeIntervalSeconds: number;
  /** Config policies: first matching pattern wins, for every tenant; a level it leaves out keeps the default. */
  patterns: readonly { pattern: string; seconds: Partial<TableSeconds> }[];
  /** Policies set through the admin API, per tenant and metric (raw samples); they win over patterns. */
  explicit: () => Promise<readonly { tenant: string; metric: string; seconds: number }[]>;
  /** Storage tiers: their move rules lead each table's TTL. */
  tiers?: Tiers | null;
}

/** Each table under retention, with the column expression its TTL is measured from. */
const TABLES: readonly { level: keyof TableSeconds; table: string; timeExpr: string }[] = [
  { level: 'raw', table: 'samples', timeExpr: 'toDateTime(ts)' },
  { level: '1m', table: 'rollup_1m', timeExpr: 'bucket' },
  { level: '1h', table: 'rollup_1h', timeExpr: 'bucket' },
  { level: '1h', table: 'rollup_dim_1h', timeExpr: 'bucket' },
];

/**
 * Keeps the engine's TTL rules in line with the retention policies, for raw samples and each
 * rollup level. Patterns resolve to metric ids through the metrics that exist, so `apply` runs at
 * start, after a policy changes, and every `retention.cleanup_interval` (new metrics). Changing
 * TTL is a metadata change in the engine; rows go when merges apply it.
 */
export class RetentionManager {
  readonly #o: RetentionManagerOptions;
  /** table → the clause in force (undefined: not applied yet in this process). */
  readonly #applied = new Map<string, string | null>();

  constructor(options: RetentionManagerOptions) {
    this.#o = options;
  }

  /** Recomputes the rules and alters the tables whose rules changed; returns the raw samples' clause in force. */
  async apply(): Promise<string | null> {
    const { store } = this.#o;
    const metrics = await store.rows<{ tenant: string; metric: string }>(`SELECT DISTINCT tenant, metric FROM ${store.db}.series`);
    const explicit = new Map<string, number>();
    for (const p of await this.#o.explicit()) explicit.set(`${p.tenant}\u0000${p.metric}`, p.seconds);
    const rules: Record<keyof TableSeconds, MetricRetention[]> = { raw: [], '1m': [], '1h': [] };
    const seen = new Set<string>();
    for (const { tenant, metric } of metrics) {
      const key = `${tenant}\u0000${metric}`;
      seen.add(key);
      const metricId = metricIdOf(tenant, metric);
      const pattern = this.#o.patterns.find((p) => globMatches(p.pattern, metric))?.seconds;
      const raw = explicit.get(key) ?? pattern?.raw;
      if (raw !== undefined) rules.raw.push({ metricId, seconds: raw });
      for (const level of ['1m', '1h'] as const) {
        const seconds = pattern?.[level];
        if (seconds !== undefined) rules[level].push({ metricId, seconds });
      }
    }
    // A policy may be set before its metric has data.
    for (const [key, seconds] of explicit) {
      if (seen.has(key)) continue;
      const [tenant, metric] = key.split('\u0000') as [string, string];
      rules.raw.push({ metricId: metricIdOf(tenant, metric), seconds });
    }
    let rawClause: string | null = null;
    for (const t of TABLES) {
      const deletes = buildTtlClause(rules[t.level], this.#o.defaults[t.level], t.timeExpr);
      if (t.level === 'raw') rawClause = deletes;
      const moves = moveRules(this.#o.tiers ?? null, t.timeExpr);
      await this.#alter(t.table, [...moves, ...(deletes !== null ? [deletes] : [])].join(', ') || null, moves);
    }
    return rawClause;
  }

  async #alter(table: string, clause: string | null, moves: readonly string[]): Promise<void> {
    const { store } = this.#o;
    const applied = this.#applied.get(table);
    if (clause === applied) return;
    if (applied === undefined) {
      const seconds = Math.max(60, Math.floor(this.#o.mergeIntervalSeconds));
      await store.client.command({ query: `ALTER TABLE ${store.db}.${table} MODIFY SETTING merge_with_ttl_timeout = ${seconds}` });
    }
    const [t] = await store.rows<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {table:String}`, { params: { db: store.db, table } });
    const engineTtl = t?.engine_full ?? '';
    if (clause !== null) {
      // Not materialised: delete rules apply as merges rewrite parts, which is what keeps a TTL
      // change cheap on a large table.
      await store.client.command({ query: `ALTER TABLE ${store.db}.${table} MODIFY TTL ${clause}`, clickhouse_settings: { materialize_ttl_after_modify: 0 } });
      // Move rules need each existing part's TTL information, or parts written before the rules
      // would never move. The tables recalculate only (applyTierPolicy), so this reads the time
      // column of each part instead of rewriting it; it runs in the background.
      if (moves.some((m) => !engineTtl.includes(m))) {
        await store.client.command({ query: `ALTER TABLE ${store.db}.${table} MATERIALIZE TTL`, clickhouse_settings: { mutations_sync: '0' } });
      }
    } else if (engineTtl.includes(' TTL ')) {
      await store.client.command({ query: `ALTER TABLE ${store.db}.${table} REMOVE TTL` });
    }
    this.#applied.set(table, clause);
  }
}
