import type { MetaDb } from '../meta/index.js';
import { dashboardErrors, slugOf } from './model.js';
import type { Dashboard, DashboardSummary } from './types.js';

/**
 * Dashboards per tenant in the metadata store (SQLite embedded, PostgreSQL in cluster mode). The
 * document is kept as given, so what is exported is what was imported.
 */
export class DashboardStore {
  readonly #meta: MetaDb;

  constructor(meta: MetaDb) {
    this.#meta = meta;
  }

  async list(tenant: string): Promise<DashboardSummary[]> {
    const rows = await this.#meta.db.selectFrom('dashboards').select(['id', 'title', 'tags', 'panels', 'created_at', 'updated_at']).where('tenant', '=', tenant).orderBy('title').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, title: r.title, tags: JSON.parse(r.tags) as string[], panels: Number(r.panels), createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async get(tenant: string, id: string): Promise<Dashboard> {
    const row = await this.#meta.db.selectFrom('dashboards').select('body').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw dashboardErrors.create('DASHBOARD_NOT_FOUND', `no dashboard ${id}`, { id });
    return JSON.parse(row.body) as Dashboard;
  }

  /** Creates a dashboard; without an id, one is made from the title (`-2`, `-3`… when taken). */
  async create(tenant: string, d: Omit<Dashboard, 'id'> & { id?: string }): Promise<Dashboard> {
    if (d.id !== undefined) {
      const dashboard = { ...d, id: d.id };
      if (!(await this.#insert(tenant, dashboard))) throw dashboardErrors.create('DASHBOARD_EXISTS', `dashboard ${d.id} already exists`, { id: d.id });
      return dashboard;
    }
    const base = slugOf(d.title);
    for (let n = 1; n <= 1_000; n++) {
      // The id leads the document, as in the seed's examples.
      const dashboard = { id: n === 1 ? base : `${base}-${n}`, ...d };
      if (await this.#insert(tenant, dashboard)) return dashboard;
    }
    throw dashboardErrors.create('DASHBOARD_EXISTS', `every id from ${base} to ${base}-1000 is taken; give the dashboard an id`, { id: base });
  }

  /** Replaces a dashboard (it must exist). */
  async replace(tenant: string, d: Dashboard): Promise<Dashboard> {
    const r = await this.#meta.db
      .updateTable('dashboards')
      .set({ title: d.title, tags: JSON.stringify(d.tags ?? []), panels: d.panels.length, body: JSON.stringify(d), updated_at: new Date().toISOString() })
      .where('tenant', '=', tenant)
      .where('id', '=', d.id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw dashboardErrors.create('DASHBOARD_NOT_FOUND', `no dashboard ${d.id}`, { id: d.id });
    return d;
  }

  async delete(tenant: string, id: string): Promise<void> {
    const r = await this.#meta.db.deleteFrom('dashboards').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw dashboardErrors.create('DASHBOARD_NOT_FOUND', `no dashboard ${id}`, { id });
  }

  /** Inserts unless the id is taken; true when inserted. */
  async #insert(tenant: string, d: Dashboard): Promise<boolean> {
    const now = new Date().toISOString();
    const r = await this.#meta.db
      .insertInto('dashboards')
      .values({ tenant, id: d.id, title: d.title, tags: JSON.stringify(d.tags ?? []), panels: d.panels.length, body: JSON.stringify(d), created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
}
