/**
 * Storage tiers (seed 001 "Tiered Storage"): hot on the data directory, an optional warm local
 * volume, an optional cold S3-compatible bucket. The engine moves parts between them itself, by
 * TTL move rules on the tables' time column; Luminate only writes the engine's storage policy
 * and keeps those rules in line with `storage.tiers`.
 *
 * The hot volume is named `default`, as in the engine's default policy: a table created before
 * tiers were configured can only switch to a policy that keeps the volumes it had.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TIER_POLICY = 'luminate_tiered';

export interface WarmTier {
  path: string;
  afterSeconds: number;
}

export interface S3Location {
  /** Bucket URL with a prefix, ending in '/': https://bucket.s3.eu-west-1.amazonaws.com/luminate/ */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface ColdTier extends S3Location {
  afterSeconds: number;
}

export interface Tiers {
  warm: WarmTier | null;
  cold: ColdTier | null;
}

/** Tables that tier: raw samples and the rollups (the series table is small and always read). */
export const TIERED_TABLES: readonly { table: string; timeExpr: string }[] = [
  { table: 'samples', timeExpr: 'toDateTime(ts)' },
  { table: 'rollup_1m', timeExpr: 'bucket' },
  { table: 'rollup_1h', timeExpr: 'bucket' },
  { table: 'rollup_dim_1h', timeExpr: 'bucket' },
];

export const hasTiers = (t: Tiers | null): t is Tiers => t !== null && (t.warm !== null || t.cold !== null);

/** The TTL move rules for one table's time expression, coldest last (the engine applies the latest that is due). */
export function moveRules(tiers: Tiers | null, timeExpr: string): string[] {
  if (!hasTiers(tiers)) return [];
  const rules: string[] = [];
  if (tiers.warm) rules.push(`${timeExpr} + toIntervalSecond(${tiers.warm.afterSeconds}) TO VOLUME 'warm'`);
  if (tiers.cold) rules.push(`${timeExpr} + toIntervalSecond(${tiers.cold.afterSeconds}) TO VOLUME 'cold'`);
  return rules;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function s3Xml(loc: S3Location, indent: string): string {
  return [
    `${indent}<endpoint>${xml(loc.endpoint)}</endpoint>`,
    `${indent}<access_key_id>${xml(loc.accessKeyId)}</access_key_id>`,
    `${indent}<secret_access_key>${xml(loc.secretAccessKey)}</secret_access_key>`,
    ...(loc.region !== '' ? [`${indent}<region>${xml(loc.region)}</region>`] : []),
  ].join('\n');
}

/** The named collection the archive's `s3()` reads and writes go through, so no secret is in SQL text. */
export const ARCHIVE_COLLECTION = 'luminate_archive';

/**
 * The engine configuration for the tiers and the archive bucket: what Luminate hands the embedded
 * engine (`--config-file`), and what a ClickHouse server needs in its `config.d/` (docs/config.md,
 * `luminate engine-config`). Null when nothing needs configuring.
 */
export function engineConfigXml(tiers: Tiers | null, archiveS3: S3Location | null): string | null {
  const parts: string[] = [];
  if (hasTiers(tiers)) {
    const disks: string[] = [];
    const volumes = ['        <default><disk>default</disk></default>'];
    if (tiers.warm) {
      disks.push(`      <warm>\n        <type>local</type>\n        <path>${xml(tiers.warm.path.endsWith('/') ? tiers.warm.path : `${tiers.warm.path}/`)}</path>\n      </warm>`);
      volumes.push('        <warm><disk>warm</disk></warm>');
    }
    if (tiers.cold) {
      disks.push(`      <cold>\n        <type>s3</type>\n${s3Xml(tiers.cold, '        ')}\n      </cold>`);
      volumes.push('        <cold><disk>cold</disk></cold>');
    }
    parts.push(
      `  <storage_configuration>\n    <disks>\n${disks.join('\n')}\n    </disks>\n    <policies>\n      <${TIER_POLICY}>\n        <volumes>\n${volumes.join('\n')}\n        </volumes>\n      </${TIER_POLICY}>\n    </policies>\n  </storage_configuration>`,
    );
  }
  if (archiveS3) {
    const fields = [`<url>${xml(archiveS3.endpoint)}</url>`, `<access_key_id>${xml(archiveS3.accessKeyId)}</access_key_id>`, `<secret_access_key>${xml(archiveS3.secretAccessKey)}</secret_access_key>`];
    if (archiveS3.region !== '') fields.push(`<region>${xml(archiveS3.region)}</region>`);
    parts.push(`  <named_collections>\n    <${ARCHIVE_COLLECTION}>\n${fields.map((f) => `      ${f}`).join('\n')}\n    </${ARCHIVE_COLLECTION}>\n  </named_collections>`);
  }
  if (parts.length === 0) return null;
  return `<!-- Written by Luminate from its configuration (storage.tiers, archive.s3); edits are overwritten. -->\n<clickhouse>\n${parts.join('\n')}\n</clickhouse>\n`;
}

/** What identifies a tier's data: changing it would strand the parts stored there. */
function identity(tiers: Tiers | null): { warm?: string; cold?: string } {
  return {
    ...(tiers?.warm ? { warm: tiers.warm.path } : {}),
    ...(tiers?.cold ? { cold: tiers.cold.endpoint } : {}),
  };
}

export const TIERS_STATE_FILE = 'luminate-tiers.json';

/**
 * Checks the configured tiers against the ones this data directory was last started with and
 * records them. Adding a tier is fine; removing or re-pointing one would leave the engine unable
 * to load parts that live there, so it is refused with what to do instead.
 */
export function checkTierChange(dataDir: string, tiers: Tiers | null): void {
  const file = join(dataDir, TIERS_STATE_FILE);
  const now = identity(tiers);
  if (existsSync(file)) {
    const before = JSON.parse(readFileSync(file, 'utf8')) as { warm?: string; cold?: string };
    for (const tier of ['warm', 'cold'] as const) {
      const was = before[tier];
      if (was === undefined || was === now[tier]) continue;
      const key = tier === 'warm' ? 'storage.tiers.warm.path' : 'storage.tiers.cold.endpoint';
      throw new Error(
        `${key} was ${JSON.stringify(was)} when this data directory last ran and is now ${JSON.stringify(now[tier] ?? '')}: parts on the ${tier} tier would be lost to the engine. ` +
          `Put the old value back; to retire a tier, first move its parts to the hot volume (ALTER TABLE … MOVE PARTITION … TO VOLUME 'default', docs/config.md "Storage tiers"), then remove ${TIERS_STATE_FILE} from the data directory.`,
      );
    }
  }
  writeFileSync(file, JSON.stringify(now) + '\n');
}

interface RowsSource {
  db: string;
  backend: 'embedded' | 'clickhouse';
  rows<T>(sql: string, opts?: { params?: Record<string, unknown> }): Promise<T[]>;
  client: { command(p: { query: string }): Promise<unknown> };
}

/**
 * Puts the tiered tables on the tier policy (a metadata change; parts move later, by the TTL
 * rules the retention manager writes). On a ClickHouse server the policy must already be in its
 * configuration: a missing one is reported with the configuration to add.
 */
export async function applyTierPolicy(store: RowsSource, tiers: Tiers | null): Promise<void> {
  if (!hasTiers(tiers)) return;
  const volumes = (await store.rows<{ volume_name: string }>(`SELECT volume_name FROM system.storage_policies WHERE policy_name = {p:String}`, { params: { p: TIER_POLICY } })).map((r) => r.volume_name);
  const want = ['default', ...(tiers.warm ? ['warm'] : []), ...(tiers.cold ? ['cold'] : [])];
  const missing = want.filter((v) => !volumes.includes(v));
  if (missing.length > 0) {
    throw new Error(
      store.backend === 'clickhouse'
        ? `the ClickHouse server has no storage policy ${TIER_POLICY} with volumes ${want.join(', ')} (missing ${missing.join(', ')}): add the output of \`luminate engine-config\` to the server's config.d/ and restart it (docs/config.md, "Storage tiers")`
        : `the engine did not load storage policy ${TIER_POLICY} (missing volumes ${missing.join(', ')})`,
    );
  }
  const tables = await store.rows<{ name: string; storage_policy: string }>(`SELECT name, storage_policy FROM system.tables WHERE database = {db:String}`, { params: { db: store.db } });
  for (const { table } of TIERED_TABLES) {
    const t = tables.find((x) => x.name === table);
    if (t === undefined || t.storage_policy === TIER_POLICY) continue;
    // Recalculate-only: when move rules change, MATERIALIZE TTL recomputes the parts' TTL
    // information (which parts are due where) instead of rewriting them.
    await store.client.command({ query: `ALTER TABLE ${store.db}.${table} MODIFY SETTING storage_policy = '${TIER_POLICY}', materialize_ttl_recalculate_only = 1` });
  }
}

/** Which volume holds what: rows and bytes of Luminate's tables per tier (`GET /api/v1/admin/storage`). */
export interface TierStorage {
  tier: 'hot' | 'warm' | 'cold';
  disk: string;
  rows: number;
  parts: number;
  bytes_on_disk: number;
  /** Per table on this tier. */
  tables: { table: string; rows: number; bytes_on_disk: number }[];
}

export const TIER_OF_DISK: Record<string, TierStorage['tier']> = { default: 'hot', warm: 'warm', cold: 'cold' };
