import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MetaDb } from './store.js';

export type KeyScope = 'read' | 'write' | 'admin';

/** What callers see of a key: never its secret or hash. */
export interface ApiKeyInfo {
  id: string;
  tenant: string;
  name: string;
  scopes: KeyScope[];
  created_at: string;
  revoked_at: string | null;
}

/** The only moment the full key exists: returned once on creation. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}

/** Keys read `lmk_<id>_<secret>`: the id finds the row, the secret is checked against its hash. */
export const API_KEY_PATTERN = /^lmk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * API keys (seed 001): random 256-bit secrets stored as SHA-256 hashes (a slow password hash buys
 * nothing for secrets this long), scoped to one tenant, revocable.
 */
export class ApiKeys {
  readonly #meta: MetaDb;

  constructor(meta: MetaDb) {
    this.#meta = meta;
  }

  async create(input: { tenant: string; scopes: KeyScope[]; name?: string }): Promise<CreatedApiKey> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row = {
      id,
      tenant: input.tenant,
      name: input.name ?? '',
      scopes: JSON.stringify([...new Set(input.scopes)]),
      secret_hash: sha256(secret),
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    await this.#meta.db.insertInto('api_keys').values(row).execute();
    return { ...toInfo(row), key: `lmk_${id}_${secret}` };
  }

  /** Keys of one tenant (or of every tenant), newest first. */
  async list(tenant?: string): Promise<ApiKeyInfo[]> {
    let q = this.#meta.db.selectFrom('api_keys').select(['id', 'tenant', 'name', 'scopes', 'created_at', 'revoked_at']);
    if (tenant !== undefined) q = q.where('tenant', '=', tenant);
    return (await q.orderBy('created_at', 'desc').orderBy('id').execute()).map(toInfo);
  }

  /** Revokes a key (of `tenant`, when given); false when there is no such live key. */
  async revoke(id: string, tenant?: string): Promise<boolean> {
    let q = this.#meta.db.updateTable('api_keys').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).where('revoked_at', 'is', null);
    if (tenant !== undefined) q = q.where('tenant', '=', tenant);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The key's tenant and scopes, or null when it is unknown, revoked or wrong. */
  async verify(key: string): Promise<{ tenant: string; scopes: KeyScope[]; id: string } | null> {
    const m = API_KEY_PATTERN.exec(key);
    if (m === null) return null;
    const row = await this.#meta.db.selectFrom('api_keys').selectAll().where('id', '=', m[1]!).executeTakeFirst();
    if (row === undefined || row.revoked_at !== null) return null;
    const want = Buffer.from(row.secret_hash, 'hex');
    const got = Buffer.from(sha256(m[2]!), 'hex');
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    return { tenant: row.tenant, scopes: parseScopes(row.scopes), id: row.id };
  }
}

function parseScopes(json: string): KeyScope[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is KeyScope => x === 'read' || x === 'write' || x === 'admin') : [];
}

function toInfo(r: { id: string; tenant: string; name: string; scopes: string; created_at: string; revoked_at: string | null }): ApiKeyInfo {
  return { id: r.id, tenant: r.tenant, name: r.name, scopes: parseScopes(r.scopes), created_at: r.created_at, revoked_at: r.revoked_at };
}
