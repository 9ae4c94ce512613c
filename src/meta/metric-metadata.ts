import type { MetaDb } from './store.js';

export const METRIC_TYPES = ['counter', 'gauge', 'histogram'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** What a metric is: declared with `POST /api/v1/metrics/register`, or by an OTLP sender. */
export interface MetricMetadata {
  name: string;
  type: MetricType;
  unit: string;
  description: string;
  source: 'api' | 'otlp';
  updated_at: string;
}

export type MetricDeclaration = Pick<MetricMetadata, 'name' | 'type' | 'unit' | 'description'>;

/**
 * Metric metadata per tenant, in the metadata store, with an in-memory copy per tenant (read on
 * first use) so discovery and OTLP's declarations cost no database round trip when unchanged.
 * An explicit registration wins over what OTLP declares.
 */
export class MetricMetadataStore {
  readonly #meta: MetaDb;
  readonly #cache = new Map<string, Map<string, MetricMetadata>>();

  constructor(meta: MetaDb) {
    this.#meta = meta;
  }

  async #tenant(tenant: string): Promise<Map<string, MetricMetadata>> {
    let m = this.#cache.get(tenant);
    if (m === undefined) {
      const rows = await this.#meta.db.selectFrom('metric_metadata').selectAll().where('tenant', '=', tenant).execute();
      m = new Map(rows.map((r) => [r.name, { name: r.name, type: r.type as MetricType, unit: r.unit, description: r.description, source: r.source as 'api' | 'otlp', updated_at: r.updated_at }]));
      // Another request may have filled it meanwhile: keep the first.
      const raced = this.#cache.get(tenant);
      if (raced !== undefined) return raced;
      this.#cache.set(tenant, m);
    }
    return m;
  }

  async register(tenant: string, d: MetricDeclaration, source: 'api' | 'otlp' = 'api'): Promise<MetricMetadata> {
    const row: MetricMetadata = { name: d.name, type: d.type, unit: d.unit, description: d.description, source, updated_at: new Date().toISOString() };
    await this.#meta.db
      .insertInto('metric_metadata')
      .values({ tenant, ...row })
      .onConflict((oc) => oc.columns(['tenant', 'name']).doUpdateSet({ type: row.type, unit: row.unit, description: row.description, source: row.source, updated_at: row.updated_at }))
      .execute();
    (await this.#tenant(tenant)).set(d.name, row);
    return row;
  }

  /** Records what a sender declares, unless it is already known or was registered explicitly. */
  async declare(tenant: string, list: readonly MetricDeclaration[]): Promise<void> {
    const known = await this.#tenant(tenant);
    for (const d of list) {
      const cur = known.get(d.name);
      if (cur !== undefined && (cur.source === 'api' || (cur.type === d.type && cur.unit === d.unit && cur.description === d.description))) continue;
      await this.register(tenant, d, 'otlp');
    }
  }

  async get(tenant: string, name: string): Promise<MetricMetadata | undefined> {
    return (await this.#tenant(tenant)).get(name);
  }

  async list(tenant: string): Promise<MetricMetadata[]> {
    return [...(await this.#tenant(tenant)).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
