import type { Store } from './store.js';
import { TIER_OF_DISK, type TierStorage } from './tiers.js';

/** One table's share of the engine's storage. */
export interface TableStorage {
  table: string;
  /** raw: the points as written; series: one row per series (dimensions); rollup: a rollup level (rollup_1m, rollup_1h, rollup_dim_1h); other tables as named. */
  role: 'raw' | 'series' | 'rollup' | 'other';
  rows: number;
  parts: number;
  bytes_on_disk: number;
  compressed_bytes: number;
  uncompressed_bytes: number;
}

/** Storage on one of the engine's disks (a tier once storage tiers are configured). */
export interface DiskStorage {
  disk: string;
  path: string;
  rows: number;
  bytes_on_disk: number;
  free_bytes: number;
  total_bytes: number;
}

export interface StorageReport {
  tables: TableStorage[];
  disks: DiskStorage[];
  /** Luminate's tables per storage tier (hot only until storage.tiers adds warm or cold). */
  tiers: TierStorage[];
  /** Points stored (rows of the raw table). */
  points: number;
  bytes_on_disk: number;
  bytes_per_point: number;
  /**
   * What the stored points would take as the write API's JSON, one object per point
   * (`{"name","timestamp","value","dimensions"}`, 13-digit timestamps, values as JavaScript prints
   * them): computed from the stored rows, not estimated.
   */
  raw_json_bytes: number;
  /** raw_json_bytes / bytes_on_disk. */
  compression_ratio: number;
  /** 1 − bytes_on_disk / raw_json_bytes: how much smaller than JSON (seed 001 targets ≥ 0.9). */
  space_saving: number;
}

const ROLES: Record<string, TableStorage['role']> = { samples: 'raw', series: 'series', rollup_1m: 'rollup', rollup_1h: 'rollup', rollup_dim_1h: 'rollup' };

/** A point's JSON minus its variable parts (name, value, dimensions), with a 13-digit timestamp. */
const FIXED_JSON_BYTES = JSON.stringify({ name: '', timestamp: 0, value: 0, dimensions: {} }).length - 1 - 1 - 2 + 13;

/** Engine-wide storage figures (every tenant): `GET /api/v1/admin/storage`. */
export async function storageReport(store: Store, timeoutMs: number): Promise<StorageReport> {
  const db = store.db;
  const num = (v: string | number | null | undefined) => Number(v ?? 0);
  const tables = await store.rows<{ table: string; rows: string; parts: string; bytes: string; compressed: string; uncompressed: string }>(
    `SELECT table, toString(sum(rows)) AS rows, toString(count()) AS parts, toString(sum(bytes_on_disk)) AS bytes,
       toString(sum(data_compressed_bytes)) AS compressed, toString(sum(data_uncompressed_bytes)) AS uncompressed
     FROM system.parts WHERE database = {db:String} AND active AND table != 'schema_migrations'
     GROUP BY table ORDER BY table`,
    { params: { db }, timeoutMs },
  );
  const disks = await store.rows<{ disk: string; path: string; rows: string; bytes: string; free: string; total: string }>(
    `SELECT d.name AS disk, d.path AS path, toString(coalesce(p.rows, 0)) AS rows, toString(coalesce(p.bytes, 0)) AS bytes,
       toString(d.free_space) AS free, toString(d.total_space) AS total
     FROM system.disks AS d
     LEFT JOIN (SELECT disk_name, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
                WHERE database = {db:String} AND active AND table != 'schema_migrations' GROUP BY disk_name) AS p ON p.disk_name = d.name
     ORDER BY d.name`,
    { params: { db }, timeoutMs },
  );
  const perDisk = await store.rows<{ disk: string; table: string; rows: string; parts: string; bytes: string }>(
    `SELECT disk_name AS disk, table, toString(sum(rows)) AS rows, toString(count()) AS parts, toString(sum(bytes_on_disk)) AS bytes
     FROM system.parts WHERE database = {db:String} AND active AND table != 'schema_migrations'
     GROUP BY disk_name, table ORDER BY disk_name, table`,
    { params: { db }, timeoutMs },
  );
  // Each series' points × its JSON overhead, plus every value's printed length. The engine prints
  // Float64 as the shortest text that reads back, like JavaScript (exponent forms aside).
  const [raw] = await store.rows<{ bytes: string | null }>(
    `SELECT toString(sum(s.n * ({fixed:UInt32} + length(se.metric) + length(toJSONString(se.dimensions))) + s.vlen)) AS bytes
     FROM (SELECT series_id, count() AS n, sum(length(toString(value))) AS vlen FROM ${db}.samples GROUP BY series_id) AS s
     INNER JOIN (SELECT series_id, any(metric) AS metric, any(dimensions) AS dimensions FROM ${db}.series GROUP BY series_id) AS se
     ON s.series_id = se.series_id`,
    { params: { fixed: FIXED_JSON_BYTES }, timeoutMs },
  );
  const tableStats: TableStorage[] = tables.map((t) => ({
    table: t.table,
    role: ROLES[t.table] ?? 'other',
    rows: num(t.rows),
    parts: num(t.parts),
    bytes_on_disk: num(t.bytes),
    compressed_bytes: num(t.compressed),
    uncompressed_bytes: num(t.uncompressed),
  }));
  const bytes = tableStats.reduce((a, t) => a + t.bytes_on_disk, 0);
  const points = tableStats.find((t) => t.role === 'raw')?.rows ?? 0;
  const rawJson = num(raw?.bytes);
  return {
    tables: tableStats,
    disks: disks.map((d) => ({ disk: d.disk, path: d.path, rows: num(d.rows), bytes_on_disk: num(d.bytes), free_bytes: num(d.free), total_bytes: num(d.total) })),
    tiers: tierStats(disks.map((d) => d.disk), perDisk.map((r) => ({ disk: r.disk, table: r.table, rows: num(r.rows), parts: num(r.parts), bytes: num(r.bytes) }))),
    points,
    bytes_on_disk: bytes,
    bytes_per_point: points > 0 ? bytes / points : 0,
    raw_json_bytes: rawJson,
    compression_ratio: bytes > 0 ? rawJson / bytes : 0,
    space_saving: rawJson > 0 ? 1 - bytes / rawJson : 0,
  };
}

/** Groups per-disk part figures into tiers, hot first; every configured tier is listed, empty or not. */
function tierStats(disks: readonly string[], rows: readonly { disk: string; table: string; rows: number; parts: number; bytes: number }[]): TierStorage[] {
  const order = ['hot', 'warm', 'cold'] as const;
  return disks
    .filter((d) => TIER_OF_DISK[d] !== undefined)
    .map((disk): TierStorage => {
      const mine = rows.filter((r) => r.disk === disk);
      return {
        tier: TIER_OF_DISK[disk]!,
        disk,
        rows: mine.reduce((a, r) => a + r.rows, 0),
        parts: mine.reduce((a, r) => a + r.parts, 0),
        bytes_on_disk: mine.reduce((a, r) => a + r.bytes, 0),
        tables: mine.map((r) => ({ table: r.table, rows: r.rows, bytes_on_disk: r.bytes })),
      };
    })
    .sort((a, b) => order.indexOf(a.tier) - order.indexOf(b.tier));
}
