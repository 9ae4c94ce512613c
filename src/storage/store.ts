import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import type { NewSeries } from '../ingest/index.js';
import { SAMPLE_COLUMNS, SAMPLE_STRUCTURE, SERIES_BLOCK_COLUMNS, SERIES_BLOCK_STRUCTURE, seriesBlock } from '../ingest/sample-block.js';
import { storageErrors } from './errors.js';
import type { Engine } from './client.js';
import { MIGRATIONS } from './schema.js';

/** A Prometheus label matcher: `name="v"`, `!=`, `=~` (anchored regex), `!~`. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export const DATABASE_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface QueryOptions {
  params?: Record<string, unknown>;
  /** Engine-side limit: the engine stops the query (error 159) when it passes this. */
  timeoutMs?: number;
  /** Further engine settings for this statement. */
  settings?: Record<string, string | number>;
  signal?: AbortSignal;
}

export interface StoreOptions {
  engine: Engine;
  database: string;
  backend: 'embedded' | 'clickhouse';
}

/**
 * The engine's error code, if `err` is an engine error. Matched by shape: chdb raises
 * @clickhouse/client-common's ClickHouseError, the HTTP client its bundled copy of the same class.
 */
export function engineErrorCode(err: unknown): string | undefined {
  if (err instanceof ClickHouseError) return err.code;
  if (err instanceof Error) {
    const { code, type } = err as { code?: unknown; type?: unknown };
    if (typeof code === 'string' && /^\d+$/.test(code) && typeof type === 'string') return code;
  }
  return undefined;
}

/** True when an engine error means the query ran past its time limit (TIMEOUT_EXCEEDED, 159). */
export function isEngineTimeout(err: unknown): boolean {
  return engineErrorCode(err) === '159';
}

/**
 * A flush's new series go to the engine as one statement per SERIES_PART_MIN_ROWS rows (rounded
 * up), at most SERIES_INSERT_PARTS, run concurrently: a series row costs ~2.5 µs on one engine
 * thread, and a flush of 70k new series spent 0.8 s in it. Two statements: remote-write bench
 * 274k vs 256k points/s (medians of 3 alternating runs, 2 cores; four measured no better,
 * docs/benchmarks.md). Series rows are idempotent (ReplacingMergeTree), so a retried flush may
 * repeat either statement.
 */
const SERIES_INSERT_PARTS = 2;
const SERIES_PART_MIN_ROWS = 10_000;

/**
 * Everything Luminate asks of the engine, over one `@clickhouse/client`. SQL is built by the
 * planner; values always travel as query parameters, never spliced into SQL.
 */
export class Store {
  readonly client: ClickHouseClient;
  readonly db: string;
  readonly backend: 'embedded' | 'clickhouse';
  readonly #insertBlocks: Engine['insertBlocks'];
  readonly #release: Engine['release'];

  constructor(opts: StoreOptions) {
    if (!DATABASE_PATTERN.test(opts.database)) throw new Error(`invalid database name ${opts.database}`);
    this.client = opts.engine.client;
    this.#insertBlocks = opts.engine.insertBlocks;
    this.#release = opts.engine.release;
    this.db = opts.database;
    this.backend = opts.backend;
  }

  /** Creates the database and applies pending migrations; returns the versions applied now. `progress` hears long ones. */
  async migrate(progress: (msg: string) => void = () => {}): Promise<number[]> {
    await this.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.db}` });
    await this.client.command({
      query: `CREATE TABLE IF NOT EXISTS ${this.db}.schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version`,
    });
    const done = new Set((await this.rows<{ version: number }>(`SELECT version FROM ${this.db}.schema_migrations`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements(this.db)) await this.client.command({ query: statement });
      await m.run?.({
        db: this.db,
        command: async (query, params) => void (await this.client.command({ query, ...(params !== undefined ? { query_params: params } : {}) })),
        rows: (sql, params) => this.rows(sql, params !== undefined ? { params } : {}),
        progress,
      });
      await this.client.insert({ table: `${this.db}.schema_migrations`, values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
      applied.push(m.version);
    }
    return applied;
  }

  /** Records series rows (idempotent: the table is a ReplacingMergeTree). */
  async insertSeries(series: readonly NewSeries[]): Promise<void> {
    if (series.length === 0) return;
    const parts = Math.min(SERIES_INSERT_PARTS, Math.ceil(series.length / SERIES_PART_MIN_ROWS));
    const per = Math.ceil(series.length / parts);
    await Promise.all(
      Array.from({ length: parts }, (_, k) =>
        this.#insertNative(`${this.db}.series`, SERIES_BLOCK_COLUMNS, SERIES_BLOCK_STRUCTURE, [seriesBlock(series, k * per, Math.min(series.length, (k + 1) * per))]),
      ),
    );
  }

  /**
   * Inserts sample blocks (Native format, sample-block.ts) as one statement. `token` makes a
   * retried flush idempotent: the engine drops blocks it has already stored under the same token.
   */
  async insertSamples(blocks: readonly Buffer[], token: string = randomUUID()): Promise<void> {
    const nonEmpty = blocks.filter((b) => b.length > 0);
    if (nonEmpty.length === 0) return;
    await this.#insertNative(`${this.db}.samples`, SAMPLE_COLUMNS, SAMPLE_STRUCTURE, nonEmpty, { insert_deduplication_token: token });
  }

  /** Native blocks into `table` as one statement: the embedded engine's spool file, or a server's request body. */
  async #insertNative(table: string, columns: readonly string[], structure: string, blocks: readonly Buffer[], settings: Record<string, string> = {}): Promise<void> {
    if (this.#insertBlocks) {
      await this.#insertBlocks({ table, columns, structure, blocks, settings });
      return;
    }
    const res = await this.client.exec({
      query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT Native`,
      values: Readable.from(blocks, { objectMode: false }),
      clickhouse_settings: settings,
    });
    res.stream.resume();
    await finished(res.stream);
  }

  /**
   * Deletes a metric's samples older than `before` (unix ms) with an engine lightweight delete
   * (rows are masked at once and dropped by merges); returns how many there were.
   */
  async deleteSamplesBefore(metricId: string, before: number): Promise<number> {
    const params = { mid: BigInt(metricId), before };
    const where = `metric_id = {mid:UInt64} AND ts < fromUnixTimestamp64Milli({before:Int64}, 'UTC')`;
    const [row] = await this.rows<{ c: string }>(`SELECT toString(count()) AS c FROM ${this.db}.samples WHERE ${where}`, { params });
    const count = Number(row?.c ?? 0);
    if (count > 0) await this.client.command({ query: `DELETE FROM ${this.db}.samples WHERE ${where}`, query_params: params });
    return count;
  }

  /**
   * Every stored series id with its tenant and metric (to rebuild the cardinality counts at
   * start), read in pages of at most ~2M rows so a large table never becomes one huge string.
   * Returns how many rows were read.
   */
  async forEachSeriesId(each: (tenant: string, metric: string, hi: number, lo: number) => void, onPage?: (page: number, pages: number, rows: number) => void): Promise<number> {
    const [total] = await this.rows<{ n: string | number }>(`SELECT toString(count()) AS n FROM ${this.db}.series`);
    const pages = Math.max(1, Math.ceil(Number(total?.n ?? 0) / 2_000_000));
    let rows = 0;
    for (let page = 0; page < pages; page++) {
      const rs = await this.client.query({
        query: `SELECT tenant, metric, bitShiftRight(series_id, 32) AS hi, bitAnd(series_id, 4294967295) AS lo FROM ${this.db}.series WHERE series_id % {pages:UInt32} = {page:UInt32}`,
        format: 'TabSeparated',
        query_params: { pages, page },
      });
      const text = await rs.text();
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        const t1 = text.indexOf('\t', start);
        const t2 = text.indexOf('\t', t1 + 1);
        const t3 = text.indexOf('\t', t2 + 1);
        each(unescapeTsv(text.slice(start, t1)), unescapeTsv(text.slice(t1 + 1, t2)), Number(text.slice(t2 + 1, t3)), Number(text.slice(t3 + 1, end)));
        rows++;
        start = end + 1;
      }
      onPage?.(page + 1, pages, rows);
    }
    return rows;
  }

  /**
   * One page of a metric's series matching label matchers (export), in series-id order after
   * `after` (a decimal series id, or null for the first page). A matcher on a label the series
   * lacks sees the empty string, as in Prometheus.
   */
  async seriesPage(tenant: string, metric: string, matchers: readonly LabelMatcher[], after: string | null, limit: number, timeoutMs: number): Promise<{ id: string; dimensions: Record<string, string> }[]> {
    const params: Record<string, unknown> = { tenant, metric, limit, after: after === null ? 0n : BigInt(after) };
    const where = [`tenant = {tenant:String}`, `metric = {metric:String}`, after === null ? '' : `series_id > {after:UInt64}`];
    matchers.forEach((m, i) => {
      params[`k${i}`] = m.name;
      params[`v${i}`] = m.op === '=~' || m.op === '!~' ? `^(?:${m.value})$` : m.value;
      const col = `dimensions[{k${i}:String}]`;
      where.push(m.op === '=' ? `${col} = {v${i}:String}` : m.op === '!=' ? `${col} != {v${i}:String}` : `${m.op === '!~' ? 'NOT ' : ''}match(${col}, {v${i}:String})`);
    });
    // Rows of a series not yet merged repeat the same dimensions: one per id. LIMIT 1 BY in key
    // order reads the table in order and stops early; GROUP BY read every row of the metric
    // (~400 ms a page at 200k series, which made a 2M-point export take 105 s).
    const rows = await this.rows<{ id: string; dims: Record<string, string> }>(
      `SELECT toString(series_id) AS id, dimensions AS dims FROM ${this.db}.series
       WHERE ${where.filter((w) => w !== '').join(' AND ')}
       ORDER BY series_id LIMIT 1 BY series_id LIMIT {limit:UInt32}`,
      { params, timeoutMs },
    );
    return rows.map((r) => ({ id: r.id, dimensions: r.dims }));
  }

  /**
   * Samples of some series of one metric within [start, end] ms, ordered by series then time,
   * after the position (series id, ts) of the previous page. A page ends on a whole timestamp
   * (LIMIT … WITH TIES), so duplicates at the boundary are neither lost nor repeated.
   */
  async samplesPage(metricId: string, seriesIds: readonly string[], start: number, end: number, after: { id: string; ts: number } | null, limit: number, timeoutMs: number, source: string | null = null): Promise<{ id: string; ts: number; value: number }[]> {
    const params: Record<string, unknown> = { mid: BigInt(metricId), ids: seriesIds.map((x) => BigInt(x)), start, end, limit };
    let cursor = '';
    if (after !== null) {
      params.aid = BigInt(after.id);
      params.ats = after.ts;
      cursor = `AND (series_id, ts) > ({aid:UInt64}, fromUnixTimestamp64Milli({ats:Int64}, 'UTC'))`;
    }
    // Aliases must not shadow columns: the engine resolves WHERE against SELECT aliases.
    const rows = await this.rows<{ id: string; t: string | number; v: number }>(
      `SELECT toString(series_id) AS id, toUnixTimestamp64Milli(ts) AS t, value AS v FROM ${source ?? `${this.db}.samples`}
       WHERE metric_id = {mid:UInt64} AND series_id IN {ids:Array(UInt64)}
         AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({end:Int64}, 'UTC') ${cursor}
       ORDER BY series_id, ts LIMIT {limit:UInt32} WITH TIES`,
      { params, timeoutMs },
    );
    return rows.map((r) => ({ id: r.id, ts: Number(r.t), value: r.v }));
  }

  /**
   * A tenant's dimensions with the most distinct values over its series (engine `uniq`:
   * approximate, within ~1%), each with a few sample values for pattern checks.
   */
  async topDimensions(tenant: string, limit: number, timeoutMs: number): Promise<{ metric: string; dimension: string; distinct_values: number; samples: string[] }[]> {
    const rows = await this.rows<{ metric: string; dimension: string; distinct_values: string; samples: string[] }>(
      `SELECT metric, k AS dimension, toString(uniq(v)) AS distinct_values, groupUniqArray(5)(v) AS samples
       FROM ${this.db}.series ARRAY JOIN mapKeys(dimensions) AS k, mapValues(dimensions) AS v
       WHERE tenant = {tenant:String}
       GROUP BY metric, k ORDER BY uniq(v) DESC, metric, k LIMIT {limit:UInt32}`,
      { params: { tenant, limit }, timeoutMs },
    );
    return rows.map((r) => ({ ...r, distinct_values: Number(r.distinct_values) }));
  }

  /** Runs a SELECT and returns its rows. */
  async rows<T>(sql: string, opts: QueryOptions = {}): Promise<T[]> {
    // A SETTINGS clause, not client settings: chdb would run those as session-wide SET statements.
    const set: string[] = [];
    if (opts.timeoutMs !== undefined) set.push(`max_execution_time = ${(opts.timeoutMs / 1000).toFixed(3)}`, `timeout_overflow_mode = 'throw'`);
    for (const [k, v] of Object.entries(opts.settings ?? {})) {
      if (!/^[a-z_]+$/.test(k)) throw new Error(`invalid setting name ${k}`);
      set.push(`${k} = ${typeof v === 'number' ? v : `'${v.replace(/[\\']/g, '')}'`}`);
    }
    const settings = set.length > 0 ? `\nSETTINGS ${set.join(', ')}` : '';
    const rs = await this.client.query({
      query: sql + settings,
      format: 'JSONEachRow',
      ...(opts.params !== undefined ? { query_params: opts.params } : {}),
      ...(opts.signal !== undefined ? { abort_signal: opts.signal } : {}),
    });
    return rs.json<T>();
  }

  async ping(): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      const r = await this.client.ping();
      return r.success ? { ok: true } : { ok: false, error: errorMessage(r.error) };
    } catch (err) {
      return { ok: false, error: errorMessage(err) };
    }
  }

  async diskUsedBytes(): Promise<number> {
    const [row] = await this.rows<{ bytes: string | number }>(
      `SELECT toString(sum(bytes_on_disk)) AS bytes FROM system.parts WHERE database = {db:String} AND active`,
      { params: { db: this.db } },
    );
    return Number(row?.bytes ?? 0);
  }

  async close(): Promise<void> {
    await this.client.close();
    this.#release?.();
  }
}

const TSV_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f', "'": "'" };

/** A TabSeparated field's text (the engine escapes \\, tab, newline and a few more). */
function unescapeTsv(field: string): string {
  return field.includes('\\') ? field.replace(/\\(.)/g, (_m, c: string) => TSV_ESCAPES[c] ?? c) : field;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wraps an engine error as STORAGE_ERROR, keeping the engine's code. */
export function wrapEngineError(err: unknown, what: string) {
  const engineCode = engineErrorCode(err);
  return storageErrors.create('STORAGE_ERROR', `${what}: ${errorMessage(err)}`, engineCode !== undefined ? { engine_code: engineCode } : {}, err);
}
