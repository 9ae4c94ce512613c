import type { MetaDb } from './store.js';

export interface RetentionPolicy {
  tenant: string;
  metric: string;
  retention_seconds: number;
  updated_at: string;
}

/** Per-tenant, per-metric retention set through the admin API (seed 003 "Retention API"). */
export class RetentionPolicies {
  readonly #meta: MetaDb;

  constructor(meta: MetaDb) {
    this.#meta = meta;
  }

  async set(tenant: string, metric: string, retentionSeconds: number): Promise<RetentionPolicy> {
    const row = { tenant, metric, retention_seconds: retentionSeconds, updated_at: new Date().toISOString() };
    await this.#meta.db
      .insertInto('retention_policies')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant', 'metric']).doUpdateSet({ retention_seconds: retentionSeconds, updated_at: row.updated_at }))
      .execute();
    return row;
  }

  async list(): Promise<RetentionPolicy[]> {
    const rows = await this.#meta.db.selectFrom('retention_policies').selectAll().orderBy('tenant').orderBy('metric').execute();
    return rows.map((r) => ({ ...r, retention_seconds: Number(r.retention_seconds) }));
  }
}
