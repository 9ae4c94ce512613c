/**
 * The open-format archive (seed 001 "export", issue 6): closed days leave the engine's `samples`
 * table as Parquet files, one per tenant and day, in a local directory or an S3 bucket, listed by
 * a manifest. Archived days stay queryable: the planner reads them with the engine's `file()` /
 * `s3()` table functions, next to the table, through the same API.
 *
 * Layout (any Parquet tool reads it):
 *
 *   <target>/manifest.json
 *   <target>/tenant=<tenant>/day=<YYYY-MM-DD>/samples.parquet
 *     columns: metric String, dimensions Map(String, String), metric_id UInt64, series_id UInt64,
 *              ts DateTime64(3, 'UTC'), value Float64   — sorted by metric, series, time
 *
 * Zero loss, nothing counted twice. A day is archived in three steps:
 *   1. every tenant's file of the day is written and read back (row count must match);
 *   2. the manifest listing the day is written (the commit point; then a local copy);
 *   3. the day's partitions are dropped from `samples`.
 * Queries read `samples` *without* the committed days plus the committed days' files, so a
 * crash before 2 leaves the table authoritative (the files are rewritten by the next run) and a
 * crash between 2 and 3 leaves the files authoritative (the next run drops the partitions). No
 * point can arrive for an archived day: `archive.after` is at least 8 days and writes refuse
 * points older than 7.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { metricIdOf } from '../ingest/index.js';
import type { Store } from './store.js';
import { ARCHIVE_COLLECTION } from './tiers.js';

export type ArchiveTarget = { type: 'dir'; dir: string } | { type: 's3'; endpoint: string };

export interface ArchiveFile {
  tenant: string;
  /** Relative to the archive root. */
  path: string;
  rows: number;
}

export interface ArchiveDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  archived_at: string;
  rows: number;
  files: ArchiveFile[];
}

export interface Manifest {
  format: 'luminate-archive/1';
  /** Oldest first. */
  days: ArchiveDay[];
}

export interface ArchiveReport {
  /** Days archived by this run. */
  archived: { day: string; rows: number; files: number }[];
  /** Committed days whose partition a crashed run had left behind, dropped now. */
  recovered: string[];
  /** Closed days not archived yet, and why. */
  waiting: { day: string; reason: string }[];
  ms: number;
}

export interface ArchiveStatus {
  target: string;
  days: number;
  rows: number;
  files: number;
  first_day: string | null;
  last_day: string | null;
  running: boolean;
  last: ArchiveReport | null;
}

export interface ArchiveProgress {
  day: string;
  step: 'written' | 'committed' | 'dropped';
  tenant?: string;
  rows: number;
}

export interface ArchiverOptions {
  store: Store;
  target: ArchiveTarget;
  /** A day is archived once it ended this long ago (archive.after). */
  afterMs: number;
  /** Where the manifest's local copy lives (read when the target cannot be). */
  localCopy: string;
  /** How far the rollups cover (unix ms), or null without rollups: a day is archived only once rolled up. */
  rolledUpTo?: () => number | null;
  now?: () => number;
  onProgress?: (p: ArchiveProgress) => void;
}

const DAY_MS = 86_400_000;
const EMPTY: Manifest = { format: 'luminate-archive/1', days: [] };
export const ARCHIVE_STRUCTURE = "metric_id UInt64, series_id UInt64, ts DateTime64(3, 'UTC'), value Float64";
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** A SQL string literal. */
const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const filePath = (tenant: string, day: string) => `tenant=${tenant}/day=${day}/samples.parquet`;

function parseManifest(text: string, where: string): Manifest {
  const m = JSON.parse(text) as Partial<Manifest>;
  if (m.format !== 'luminate-archive/1' || !Array.isArray(m.days)) throw new Error(`${where} is not a Luminate archive manifest`);
  for (const d of m.days) {
    if (!DAY_PATTERN.test(d.day) || !Array.isArray(d.files) || d.files.some((f) => !TENANT_PATTERN.test(f.tenant))) throw new Error(`${where}: malformed entry for ${JSON.stringify(d.day)}`);
  }
  return m as Manifest;
}

/** Writes a file so that a reader sees the old or the new content whole, and it survives a crash. */
function writeDurably(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export class Archiver {
  readonly #o: ArchiverOptions;
  readonly #now: () => number;
  #manifest: Manifest = EMPTY;
  /** Committed days, for the planner. */
  #days = new Set<string>();
  /** tenant → its archived days (sorted). */
  #byTenant = new Map<string, string[]>();
  #running: Promise<ArchiveReport> | null = null;
  #last: ArchiveReport | null = null;
  /** Bumped on every commit: query sharing keys include it. */
  version = 0;

  constructor(options: ArchiverOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get targetDescription(): string {
    const t = this.#o.target;
    return t.type === 'dir' ? t.dir : t.endpoint;
  }

  /** Reads the manifest from the target (its local copy when the target cannot be read and has never been written). */
  async load(): Promise<void> {
    this.#set(await this.#readManifest());
  }

  #set(m: Manifest): void {
    this.#manifest = m;
    this.#days = new Set(m.days.map((d) => d.day));
    const byTenant = new Map<string, string[]>();
    for (const d of m.days) for (const f of d.files) (byTenant.get(f.tenant) ?? byTenant.set(f.tenant, []).get(f.tenant)!).push(d.day);
    for (const list of byTenant.values()) list.sort();
    this.#byTenant = byTenant;
    this.version++;
  }

  async #readManifest(): Promise<Manifest> {
    const t = this.#o.target;
    if (t.type === 'dir') {
      const file = join(t.dir, 'manifest.json');
      return existsSync(file) ? parseManifest(readFileSync(file, 'utf8'), file) : EMPTY;
    }
    try {
      const rows = await this.#o.store.rows<{ raw_blob: string }>(`SELECT raw_blob FROM s3(${ARCHIVE_COLLECTION}, filename = 'manifest.json', format = 'RawBLOB')`);
      return rows[0] ? parseManifest(rows[0].raw_blob, `${t.endpoint}manifest.json`) : EMPTY;
    } catch (err) {
      // 404: nothing archived yet. Anything else: the local copy says what was committed here.
      if (/404|NoSuchKey|does not exist/i.test(String(err))) return EMPTY;
      if (existsSync(this.#o.localCopy)) return parseManifest(readFileSync(this.#o.localCopy, 'utf8'), this.#o.localCopy);
      throw err;
    }
  }

  async #writeManifest(m: Manifest): Promise<void> {
    const text = JSON.stringify(m, null, 1) + '\n';
    const t = this.#o.target;
    if (t.type === 'dir') {
      writeDurably(join(t.dir, 'manifest.json'), text);
    } else {
      await this.#o.store.client.command({
        query: `INSERT INTO FUNCTION s3(${ARCHIVE_COLLECTION}, filename = 'manifest.json', format = 'RawBLOB') SELECT {text:String}`,
        query_params: { text },
        clickhouse_settings: { s3_truncate_on_insert: 1 },
      });
    }
    writeDurably(this.#o.localCopy, text);
  }

  /** The table function reading some of a tenant's archived days. */
  #reader(tenant: string, days: readonly string[]): string {
    const t = this.#o.target;
    const glob = days.length === 1 ? days[0]! : `{${days.join(',')}}`;
    const rel = `tenant=${tenant}/day=${glob}/samples.parquet`;
    return t.type === 'dir'
      ? `file(${lit(join(t.dir, rel))}, 'Parquet', ${lit(ARCHIVE_STRUCTURE)})`
      : `s3(${ARCHIVE_COLLECTION}, filename = ${lit(rel)}, format = 'Parquet', structure = ${lit(ARCHIVE_STRUCTURE)})`;
  }

  /**
   * What the planner reads instead of `samples` for one tenant and time range [start, end] (ms):
   * null when no archived day overlaps it (the table alone), else the table without the archived
   * days plus the tenant's files of those days.
   */
  source(db: string, tenant: string, start: number, end: number): string | null {
    if (this.#days.size === 0) return null;
    const first = dayOf(start);
    const last = dayOf(end);
    const overlapping = [...this.#days].filter((d) => d >= first && d <= last).sort();
    if (overlapping.length === 0) return null;
    const mine = (this.#byTenant.get(tenant) ?? []).filter((d) => d >= first && d <= last);
    const table = `SELECT metric_id, series_id, ts, value FROM ${db}.samples WHERE toDate(ts) NOT IN (${overlapping.map((d) => lit(d)).join(', ')})`;
    // Aliased: the planner joins it like the table (USING series_id), and the engine wants a name for a subquery in a join.
    return mine.length === 0 ? `(${table}) AS archived_samples` : `(${table} UNION ALL SELECT metric_id, series_id, ts, value FROM ${this.#reader(tenant, mine)}) AS archived_samples`;
  }

  /** As `source`, over every tenant's files: what the rollup refresh reads for [from, to). */
  allSource(db: string, from: number, to: number): string | null {
    if (this.#days.size === 0) return null;
    const first = dayOf(from);
    const last = dayOf(Math.max(from, to - 1));
    const overlapping = [...this.#days].filter((d) => d >= first && d <= last).sort();
    if (overlapping.length === 0) return null;
    const table = `SELECT metric_id, series_id, ts, value FROM ${db}.samples WHERE toDate(ts) NOT IN (${overlapping.map((d) => lit(d)).join(', ')})`;
    return `(${table} UNION ALL SELECT metric_id, series_id, ts, value FROM ${this.#reader('*', overlapping)}) AS archived_samples`;
  }

  /** The first archived day (unix ms), or null. */
  firstDay(): number | null {
    const d = this.#manifest.days[0]?.day;
    return d === undefined ? null : Date.parse(`${d}T00:00:00Z`);
  }

  status(): ArchiveStatus {
    const days = this.#manifest.days;
    return {
      target: this.targetDescription,
      days: days.length,
      rows: days.reduce((a, d) => a + d.rows, 0),
      files: days.reduce((a, d) => a + d.files.length, 0),
      first_day: days[0]?.day ?? null,
      last_day: days[days.length - 1]?.day ?? null,
      running: this.#running !== null,
      last: this.#last,
    };
  }

  /** Archives every closed day that is due; concurrent callers share one run. */
  run(): Promise<ArchiveReport> {
    this.#running ??= this.#run().finally(() => (this.#running = null));
    return this.#running;
  }

  /** Waits for a run under way. */
  async close(): Promise<void> {
    await this.#running?.catch(() => {});
  }

  async #run(): Promise<ArchiveReport> {
    const started = this.#now();
    const { store } = this.#o;
    const db = store.db;
    // Re-read: another process (luminate archive) may have committed days since.
    this.#set(await this.#readManifest());
    // The days that have parts (a day is several partitions: SAMPLES_PARTITION).
    const partitions = (await store.rows<{ day: string }>(
      `SELECT DISTINCT substring(partition, 1, 10) AS day FROM system.parts WHERE database = {db:String} AND table = 'samples' AND active ORDER BY day`,
      { params: { db } },
    )).map((r) => r.day);
    const report: ArchiveReport = { archived: [], recovered: [], waiting: [], ms: 0 };
    // Committed by a run that stopped before dropping the partition.
    for (const day of partitions.filter((p) => this.#days.has(p))) {
      await this.#drop(day);
      report.recovered.push(day);
    }
    const cutoff = this.#now() - this.#o.afterMs;
    const rolled = this.#o.rolledUpTo?.() ?? null;
    const due = partitions.filter((d) => DAY_PATTERN.test(d) && !this.#days.has(d) && Date.parse(`${d}T00:00:00Z`) + DAY_MS <= cutoff);
    if (due.length > 0) {
      // metric id → tenant, over every metric there is (ids are a hash of tenant and metric).
      const tenantOf = new Map<string, string>();
      for (const r of await store.rows<{ tenant: string; metric: string }>(`SELECT DISTINCT tenant, metric FROM ${db}.series`)) tenantOf.set(metricIdOf(r.tenant, r.metric), r.tenant);
      for (const day of due) {
        const dayEnd = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
        if (this.#o.rolledUpTo !== undefined && (rolled === null || rolled < dayEnd)) {
          report.waiting.push({ day, reason: 'rollups do not cover the day yet' });
          continue;
        }
        const entry = await this.#archiveDay(day, tenantOf);
        this.#set({ ...this.#manifest, days: [...this.#manifest.days, entry].sort((a, b) => (a.day < b.day ? -1 : 1)) });
        await this.#writeManifest(this.#manifest);
        this.#o.onProgress?.({ day, step: 'committed', rows: entry.rows });
        await this.#drop(day);
        this.#o.onProgress?.({ day, step: 'dropped', rows: entry.rows });
        report.archived.push({ day, rows: entry.rows, files: entry.files.length });
      }
    }
    report.ms = this.#now() - started;
    this.#last = report;
    return report;
  }

  async #archiveDay(day: string, tenantOf: ReadonlyMap<string, string>): Promise<ArchiveDay> {
    const { store } = this.#o;
    const db = store.db;
    const counts = await store.rows<{ mid: string; n: string }>(
      `SELECT toString(metric_id) AS mid, toString(count()) AS n FROM ${db}.samples WHERE toDate(ts) = {day:Date} GROUP BY metric_id`,
      { params: { day } },
    );
    const perTenant = new Map<string, { ids: string[]; rows: number }>();
    for (const c of counts) {
      const tenant = tenantOf.get(c.mid);
      if (tenant === undefined) throw new Error(`archive ${day}: metric id ${c.mid} has no series row; not archiving the day`);
      const t = perTenant.get(tenant) ?? perTenant.set(tenant, { ids: [], rows: 0 }).get(tenant)!;
      t.ids.push(c.mid);
      t.rows += Number(c.n);
    }
    const files: ArchiveFile[] = [];
    for (const [tenant, { ids, rows }] of [...perTenant].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const path = filePath(tenant, day);
      const t = this.#o.target;
      const dest = t.type === 'dir' ? `file(${lit(join(t.dir, path))}, 'Parquet')` : `s3(${ARCHIVE_COLLECTION}, filename = ${lit(path)}, format = 'Parquet')`;
      if (t.type === 'dir') mkdirSync(dirname(join(t.dir, path)), { recursive: true });
      await store.client.command({
        query: `INSERT INTO FUNCTION ${dest}
          SELECT se.metric AS metric, se.dimensions AS dimensions, s.metric_id AS metric_id, s.series_id AS series_id, s.ts AS ts, s.value AS value
          FROM ${db}.samples AS s
          ANY LEFT JOIN (SELECT series_id, any(metric) AS metric, any(dimensions) AS dimensions FROM ${db}.series WHERE tenant = {tenant:String} GROUP BY series_id) AS se ON s.series_id = se.series_id
          WHERE toDate(s.ts) = {day:Date} AND s.metric_id IN {ids:Array(UInt64)}
          ORDER BY metric, series_id, ts`,
        query_params: { tenant, day, ids: ids.map((x) => BigInt(x)) },
        clickhouse_settings: t.type === 'dir' ? { engine_file_truncate_on_insert: 1 } : { s3_truncate_on_insert: 1 },
      });
      const [back] = await store.rows<{ n: string }>(`SELECT toString(count()) AS n FROM ${this.#reader(tenant, [day])}`);
      if (Number(back?.n ?? -1) !== rows) throw new Error(`archive ${day}: ${path} holds ${back?.n ?? 'no'} rows, the table ${rows}; not committing the day`);
      files.push({ tenant, path, rows });
      this.#o.onProgress?.({ day, step: 'written', tenant, rows });
    }
    return { day, archived_at: new Date(this.#now()).toISOString(), rows: files.reduce((a, f) => a + f.rows, 0), files };
  }

  /** Drops the day's partitions (each of its hours' partitions: SAMPLES_PARTITION). */
  async #drop(day: string): Promise<void> {
    const { store } = this.#o;
    const ids = await store.rows<{ id: string }>(
      `SELECT DISTINCT partition_id AS id FROM system.parts WHERE database = {db:String} AND table = 'samples' AND active AND substring(partition, 1, 10) = {day:String}`,
      { params: { db: store.db, day } },
    );
    for (const { id } of ids) await store.client.command({ query: `ALTER TABLE ${store.db}.samples DROP PARTITION ID ${lit(id)}` });
  }
}

/** The archive target of the configuration (a directory is made absolute). */
export function archiveTargetOf(dir: string, endpoint: string): ArchiveTarget {
  return dir !== '' ? { type: 'dir', dir: resolve(dir) } : { type: 's3', endpoint };
}
