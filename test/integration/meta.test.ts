import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DashboardStore } from '../../src/dashboards/index.js';
import { ApiKeys, openMetaDb, type MetaDb, type MetaTarget } from '../../src/meta/index.js';
import { tempDir } from '../helpers/server.js';

const PG_URL = process.env.LUMINATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function open(kind: 'sqlite' | 'postgres'): Promise<{ meta: MetaDb; target: MetaTarget; cleanup: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const target: MetaTarget = { type: 'sqlite', path: join(tempDir(), 'meta.sqlite') };
    const meta = await openMetaDb(target);
    return { meta, target, cleanup: () => meta.close() };
  }
  const schema = `lm_test_${randomBytes(6).toString('hex')}`;
  const target: MetaTarget = { type: 'postgres', url: PG_URL, schema };
  let meta: MetaDb;
  try {
    meta = await openMetaDb(target);
  } catch (err) {
    throw new Error(`PostgreSQL at ${PG_URL} is needed for this test and could not be used: ${(err as Error).message}`, { cause: err });
  }
  return {
    meta,
    target,
    cleanup: async () => {
      await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(meta.db);
      await meta.close();
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('metadata store on %s', (kind) => {
  it('migrates idempotently and manages API keys: create once, verify, list per tenant, revoke', async () => {
    const { meta, target, cleanup } = await open(kind);
    try {
      // Opening again runs the migrations again: nothing changes, nothing fails.
      await (await openMetaDb(target)).close();
      const keys = new ApiKeys(meta);
      const a = await keys.create({ tenant: 'acme', scopes: ['read', 'write'], name: 'ingest' });
      const b = await keys.create({ tenant: 'other', scopes: ['admin'] });
      expect(a.key).toMatch(/^lmk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(await keys.verify(a.key)).toEqual({ tenant: 'acme', scopes: ['read', 'write'], id: a.id });

      // Wrong secret, unknown id and garbage are all simply "no".
      const wrongSecret = a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A');
      expect(await keys.verify(wrongSecret)).toBeNull();
      expect(await keys.verify(`lmk_${'0'.repeat(16)}_${'A'.repeat(43)}`)).toBeNull();
      expect(await keys.verify('not-a-key')).toBeNull();

      // Listing never shows secrets, and is per tenant.
      const listed = await keys.list('acme');
      expect(listed).toEqual([{ id: a.id, tenant: 'acme', name: 'ingest', scopes: ['read', 'write'], created_at: a.created_at, revoked_at: null }]);
      // The secret is everything after `lmk_<id>_` (base64url: it may itself hold `_`).
      const secret = a.key.slice(`lmk_${a.id}_`.length);
      expect(secret).toHaveLength(43);
      expect(JSON.stringify(await keys.list())).not.toContain(secret);
      expect((await keys.list()).map((k) => k.id).sort()).toEqual([a.id, b.id].sort());

      // Another tenant cannot revoke it; its own can, once.
      expect(await keys.revoke(a.id, 'other')).toBe(false);
      expect(await keys.revoke(a.id, 'acme')).toBe(true);
      expect(await keys.revoke(a.id, 'acme')).toBe(false);
      expect(await keys.verify(a.key)).toBeNull();
      expect((await keys.list('acme'))[0]!.revoked_at).not.toBeNull();
    } finally {
      await cleanup();
    }
  });
});

describe.each(['sqlite', 'postgres'] as const)('dashboards on %s', (kind) => {
  it('creates with given or title-made ids, refuses a taken id, replaces, deletes, and keeps tenants apart', async () => {
    const { meta, cleanup } = await open(kind);
    try {
      const store = new DashboardStore(meta);
      const d = { title: 'Customer Overview', tags: ['a'], panels: [] };
      expect((await store.create('t1', d)).id).toBe('customer-overview');
      expect((await store.create('t1', d)).id).toBe('customer-overview-2');
      expect((await store.create('t2', d)).id).toBe('customer-overview');
      await expect(store.create('t1', { ...d, id: 'customer-overview' })).rejects.toMatchObject({ code: 'DASHBOARD_EXISTS' });
      expect((await store.list('t1')).map((x) => [x.id, x.title, x.tags, x.panels])).toEqual([
        ['customer-overview', 'Customer Overview', ['a'], 0],
        ['customer-overview-2', 'Customer Overview', ['a'], 0],
      ]);
      await store.replace('t1', { id: 'customer-overview-2', title: 'Renamed', panels: [] });
      expect(await store.get('t1', 'customer-overview-2')).toEqual({ id: 'customer-overview-2', title: 'Renamed', panels: [] });
      // Another tenant's dashboard of the same id is untouched, and cannot be reached.
      expect((await store.get('t2', 'customer-overview')).title).toBe('Customer Overview');
      await expect(store.get('t2', 'customer-overview-2')).rejects.toMatchObject({ code: 'DASHBOARD_NOT_FOUND' });
      await expect(store.replace('t2', { id: 'customer-overview-2', title: 'x', panels: [] })).rejects.toMatchObject({ code: 'DASHBOARD_NOT_FOUND' });
      await expect(store.delete('t2', 'customer-overview-2')).rejects.toMatchObject({ code: 'DASHBOARD_NOT_FOUND' });
      await store.delete('t1', 'customer-overview-2');
      expect((await store.list('t1')).map((x) => x.id)).toEqual(['customer-overview']);
    } finally {
      await cleanup();
    }
  });
});
