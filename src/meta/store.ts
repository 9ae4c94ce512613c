import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Generated } from 'kysely';

/** Where metadata lives (DESIGN decision 5): SQLite when embedded, PostgreSQL in cluster mode. */
export type MetaTarget = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string; schema?: string };

export interface ApiKeysTable {
  id: string;
  tenant: string;
  name: string;
  /** JSON array of scopes. */
  scopes: string;
  /** SHA-256 of the secret part, hex. */
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface RetentionPoliciesTable {
  tenant: string;
  metric: string;
  retention_seconds: number;
  updated_at: string;
}

export interface MetricMetadataTable {
  tenant: string;
  name: string;
  type: string;
  unit: string;
  description: string;
  /** api: POST /api/v1/metrics/register; otlp: what an OTLP sender declared. */
  source: string;
  updated_at: string;
}

export interface DashboardsTable {
  tenant: string;
  id: string;
  title: string;
  /** JSON array of tags, for the list without parsing bodies. */
  tags: string;
  panels: number;
  /** The dashboard document as imported (seed format), JSON. */
  body: string;
  created_at: string;
  updated_at: string;
}

export interface MetaDatabase {
  api_keys: ApiKeysTable;
  dashboards: DashboardsTable;
  metric_metadata: MetricMetadataTable;
  retention_policies: RetentionPoliciesTable;
  meta_migrations: { version: number; applied_at: Generated<string> };
}

export interface MetaDb {
  db: Kysely<MetaDatabase>;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

/** Versioned, idempotent migrations, in SQL both dialects accept. */
const MIGRATIONS: { version: number; statements: string[] }[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      )`,
      `CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant)`,
    ],
  },
  {
    version: 2,
    statements: [
      `CREATE TABLE IF NOT EXISTS retention_policies (
        tenant TEXT NOT NULL,
        metric TEXT NOT NULL,
        retention_seconds BIGINT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, metric)
      )`,
    ],
  },
  {
    version: 3,
    statements: [
      `CREATE TABLE IF NOT EXISTS metric_metadata (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        unit TEXT NOT NULL,
        description TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, name)
      )`,
    ],
  },
  {
    version: 4,
    statements: [
      `CREATE TABLE IF NOT EXISTS dashboards (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        title TEXT NOT NULL,
        tags TEXT NOT NULL,
        panels INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
      )`,
    ],
  },
];

/** Opens the metadata database and applies pending migrations. */
export async function openMetaDb(target: MetaTarget): Promise<MetaDb> {
  let db: Kysely<MetaDatabase>;
  if (target.type === 'sqlite') {
    const path = resolve(target.path);
    mkdirSync(dirname(path), { recursive: true });
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL'); // the CLI and a running server may share the file
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<MetaDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    const { default: pg } = await import('pg');
    const schema = target.schema;
    const pool = new pg.Pool({ connectionString: target.url, max: 5, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    db = new Kysely<MetaDatabase>({ dialect: new PostgresDialect({ pool }) });
    if (schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  }
  try {
    await sql`CREATE TABLE IF NOT EXISTS meta_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`.execute(db);
    const done = new Set((await db.selectFrom('meta_migrations').select('version').execute()).map((r) => Number(r.version)));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements) await sql.raw(statement).execute(db);
      await db.insertInto('meta_migrations').values({ version: m.version, applied_at: new Date().toISOString() }).execute();
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect: target.type, close: () => db.destroy() };
}
