import type { EventBus } from '../cluster/index.js';
import { metricIdOf } from '../ingest/index.js';
import { DIM_TABLE, HOUR_MS, MATERIALIZE_AFTER_MS, MINUTE_MS, ROLLUP_LEVELS, dimRefreshSql, refreshSql, type DimKeys, type RollupLevel } from './rollups.js';
import type { Store } from './store.js';

const [MINUTES, HOURS] = ROLLUP_LEVELS as readonly [RollupLevel, RollupLevel];

export interface RollupManagerOptions {
  store: Store;
  /** Writers announce each flush's time span per metric: late points mark their minutes stale at once. */
  bus?: EventBus;
  now?: () => number;
  /**
   * Keep the 1-minute level. Off, only hours are rolled up and `coverage()` gives no minutes
   * (for series with a point a minute or fewer, minute rows are as many as the points). @default true
   */
  minutes?: boolean;
  /** Progress of long work (a first backfill of existing data), one call per day materialised. */
  onProgress?: (info: { level: '1m'; done: number; to: number }) => void;
  /**
   * Archived days (src/storage/archive.ts): what raw reads over [from, to) come from, every
   * tenant (null: the samples table alone), and the first archived day (ms), where a first
   * materialisation must start.
   */
  archive?: { allSource(db: string, from: number, to: number): string | null; firstDay(): number | null };
  /**
   * Dimension keys of a metric with at most this many values get hourly rows per value
   * (src/storage/rollups.ts, DIM_TABLE); 0: none, and no per-dimension rollup. @default 10000
   */
  dimensionMaxValues?: number;
}

/** Buckets [since, until) (unix ms) over which a key's per-value rows are complete. */
export interface DimSpan {
  since: number;
  until: number;
}

/** How far each level is materialised: rollups are valid for buckets before these (unix ms). */
export interface Watermarks {
  '1m': number;
  '1h': number;
}

/** Watermarks for one metric (earlier where it has stale minutes), and how dense its series are. */
export interface RollupCoverage extends Watermarks {
  /** Mean raw points per series-hour over the metric's last day of 1-hour rows; null when unknown. */
  pointsPerSeriesHour: number | null;
  /**
   * Dimension keys with per-value hourly rows ('' the pseudo key of the whole metric), each with
   * the buckets it covers (below the '1h' watermark as well); null: none.
   */
  dims?: ReadonlyMap<string, DimSpan> | null;
}

export interface RollupStatus {
  /** Each level covers buckets before its watermark (unix ms); null before the first refresh. */
  watermarks: Watermarks | null;
  /** A refresh is under way (a first one over existing data can take minutes). */
  running: boolean;
  /** Refreshes completed since start, and the last one. */
  completed: number;
  last: RefreshReport | null;
}

export interface RefreshReport {
  /** Watermarks after the refresh (unix ms). */
  watermarks: Watermarks;
  /** (metric, hour) pairs rewritten for late points. */
  rewritten: number;
  ms: number;
}

/** Late marks may be committed up to this long after the time they carry (a slow insert). */
const MARK_MARGIN_MS = 60_000;
/** Largest range one statement materialises (a first backfill goes a day at a time). */
const CHUNK_MS = 24 * HOUR_MS;

const floorTo = (t: number, w: number) => Math.floor(t / w) * w;

interface StaleSpan {
  from: number;
  to: number;
  /** When the span was first and last marked (this process's clock). */
  first: number;
  last: number;
}

/**
 * A timer refresh rewrites a stale span once no late point has touched it for QUIET_MS, or once
 * it has waited MAX_STALE_MS: a backfill then rewrites its minutes once, not every refresh while
 * it runs. Until then queries read raw there. An explicit refresh rewrites everything.
 */
const QUIET_MS = 30_000;
const MAX_STALE_MS = 300_000;

/**
 * The refresher of the rollups (src/storage/rollups.ts). Each `refresh()`:
 *   1. materialises the minutes that closed since the last one (ended ≥ 2 min ago), then the
 *      hours those complete (both from raw samples), a day at a time when catching up with
 *      existing data;
 *   2. rewrites the minutes (and their hours) that got late points — announced on the bus, or
 *      found in the engine's late-point log (which survives a crash) — once they settle;
 *   3. records the watermarks and a checkpoint in `rollup_state`.
 * Until a stale minute is rewritten, `coverage()` ends that metric's rollups before it, so the
 * planner reads raw samples there and answers stay exact.
 */
export class RollupManager {
  readonly #o: RollupManagerOptions;
  readonly #now: () => number;
  readonly #minutes: boolean;
  #wm: Watermarks | null = null;
  /** metric id → mean points per series-hour (see RollupCoverage). */
  #density = new Map<string, number>();
  #densityMeasured = -Infinity;
  /** The 1-hour watermark when the density was last measured. */
  #densityAt = 0;
  /** While a forward step runs, the watermark it is moving to (late points below it are stale too). */
  #ceiling = 0;
  #checkpoint = 0;
  #updated = 0;
  #logRead = false;
  /**
   * metric id → stale spans [from, to) of whole minutes not yet rewritten (announced, or being
   * rewritten now). Spans, not minute sets: a backfill flush may cover a week of one metric.
   */
  readonly #stale = new Map<string, StaleSpan[]>();
  #running: Promise<RefreshReport> | null = null;
  #completed = 0;
  #last: RefreshReport | null = null;
  #queued: Promise<RefreshReport> | null = null;
  #forceQueued = false;
  readonly #unsubscribe: (() => void) | undefined;
  readonly #dimMax: number;
  /** metric id → key → the buckets its per-value rows cover (persisted in rollup_dim_keys). */
  #dims = new Map<string, Map<string, DimSpan>>();
  /** metric id → (tenant, metric), for the metrics in #dims. */
  #dimNames = new Map<string, { tenant: string; metric: string }>();
  /**
   * Whether every metric with rollup rows has had its keys chosen: false after an upgrade from a
   * version without per-dimension rows (rollups exist, no keys), where a metric first seen has no
   * rows for the hours already rolled up.
   */
  #dimsComplete = true;

  constructor(options: RollupManagerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#minutes = options.minutes ?? true;
    this.#dimMax = options.dimensionMaxValues ?? 10_000;
    this.#unsubscribe = options.bus?.subscribe((e) => this.#onPoints(e.tenant, e.metric, e.earliest, e.latest));
  }

  /** Reads the persisted watermarks; call once before the first refresh or query. */
  async load(): Promise<void> {
    const { store } = this.#o;
    const rows = await store.rows<{ level: string; watermark: string | number; checkpoint: string | number }>(
      `SELECT level, argMax(watermark, updated) AS watermark, argMax(checkpoint, updated) AS checkpoint FROM ${store.db}.rollup_state GROUP BY level`,
    );
    const m = rows.find((r) => r.level === '1m');
    const h = rows.find((r) => r.level === '1h');
    if (m !== undefined && h !== undefined) {
      this.#wm = { '1m': Number(m.watermark), '1h': Number(h.watermark) };
      this.#checkpoint = Number(m.checkpoint);
      await this.#measureDensity();
    }
    const keys = await store.rows<{ mid: string; k: string; since: string | number; until: string | number }>(
      `SELECT toString(metric_id) AS mid, k, argMax(since, updated) AS since, argMax(until, updated) AS until FROM ${store.db}.rollup_dim_keys GROUP BY metric_id, k`,
    );
    for (const r of keys) this.#dimSpans(r.mid).set(r.k, { since: Number(r.since), until: Number(r.until) });
    this.#dimsComplete = this.#wm === null || keys.length > 0;
  }

  #dimSpans(mid: string): Map<string, DimSpan> {
    let spans = this.#dims.get(mid);
    if (spans === undefined) this.#dims.set(mid, (spans = new Map<string, DimSpan>()));
    return spans;
  }

  /**
   * Brings the rolled-up keys up to date (a scan of the series table): before each forward step
   * of the hours, and before a rewrite of metrics this process has not measured. `from` is the
   * first hour not rolled up yet. Every metric gets the pseudo key; a key with at most
   * dimensionMaxValues values is added — from the start for a metric seen for the first time
   * (all its points came after the last measurement, so every hour holding them is rolled up
   * after this one: forward, or rewritten as late), from `from` for a new key of a known metric;
   * a key that has grown past the limit is closed at `from` (its rows stay valid before).
   */
  async #updateDimKeys(from: number): Promise<void> {
    if (this.#dimMax <= 0) return;
    const { store } = this.#o;
    const counts = await store.rows<{ tenant: string; metric: string; k: string; n: string | number }>(
      // uniq is exact up to 65,536 values and then bounded in memory (a user-id key of millions).
      `SELECT tenant, metric, k, uniq(dimensions[k]) AS n FROM ${store.db}.series ARRAY JOIN arrayConcat([''], mapKeys(dimensions)) AS k
       GROUP BY tenant, metric, k`,
    );
    const changed: { metric_id: string; k: string; since: number; until: number; updated: number }[] = [];
    const updated = this.#now();
    const known = new Set(this.#dims.keys());
    for (const r of counts) {
      const mid = metricIdOf(r.tenant, r.metric);
      this.#dimNames.set(mid, { tenant: r.tenant, metric: r.metric });
      const spans = this.#dimSpans(mid);
      const span = spans.get(r.k);
      const fits = r.k === '' || Number(r.n) <= this.#dimMax;
      if (span === undefined && fits) {
        const s = { since: known.has(mid) || !this.#dimsComplete ? from : 0, until: Number.MAX_SAFE_INTEGER };
        spans.set(r.k, s);
        changed.push({ metric_id: mid, k: r.k, ...s, updated });
      } else if (span !== undefined && !fits && span.until > from) {
        span.until = Math.max(span.since, from);
        changed.push({ metric_id: mid, k: r.k, ...span, updated });
      }
    }
    if (changed.length > 0) await store.client.insert({ table: `${store.db}.rollup_dim_keys`, values: changed, format: 'JSONEachRow' });
    this.#dimsComplete = true;
  }

  /**
   * The keys whose rows cover buckets from `from` on, per metric (optionally only these metric
   * ids): for a forward step the keys rolled up now; for a rewrite of an earlier hour also a key
   * closed since, whose rows there the planner still reads.
   */
  #dimKeysFrom(from: number, metricIds?: readonly string[]): DimKeys[] {
    const out: DimKeys[] = [];
    for (const mid of metricIds ?? this.#dims.keys()) {
      const name = this.#dimNames.get(mid);
      const spans = this.#dims.get(mid);
      if (name === undefined || spans === undefined) continue;
      const keys = [...spans].filter(([, s]) => s.until > from).map(([k]) => k);
      if (keys.length > 0) out.push({ ...name, keys });
    }
    return out;
  }

  /** Points per series-hour of each metric over the last day of 1-hour rows. */
  async #measureDensity(): Promise<void> {
    const { store } = this.#o;
    if (this.#wm === null) return;
    this.#densityMeasured = this.#now();
    this.#densityAt = this.#wm['1h'];
    const rows = await store.rows<{ mid: string; d: number }>(
      `SELECT toString(metric_id) AS mid, sum(cnt) / count() AS d FROM ${store.db}.rollup_1h
       WHERE bucket >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') GROUP BY metric_id`,
      { params: { from: this.#wm['1h'] - 24 * HOUR_MS } },
    );
    this.#density = new Map(rows.map((r) => [r.mid, Number(r.d)]));
  }

  /**
   * How far rollups of one metric can be used: the level's watermark, or the first stale minute
   * of the metric if earlier. Null before the first refresh.
   */
  coverage(tenant: string, metric: string): RollupCoverage | null {
    if (this.#wm === null) return null;
    const mid = metricIdOf(tenant, metric);
    const pointsPerSeriesHour = this.#density.get(mid) ?? null;
    let first = Infinity;
    for (const span of this.#stale.get(mid) ?? []) first = Math.min(first, span.from);
    // Without the minute level, nothing is covered by it (the planner needs to > from).
    const minutes = this.#minutes ? Math.min(this.#wm['1m'], first) : -Infinity;
    // Turned off (dimension_max_values: 0), rows from before are not kept up to date: unused.
    const dims = this.#dimMax > 0 ? this.#dims.get(mid) : undefined;
    return { '1m': minutes, '1h': Math.min(this.#wm['1h'], floorTo(first, HOUR_MS)), pointsPerSeriesHour, dims: dims !== undefined && dims.size > 0 ? dims : null };
  }

  /**
   * Runs a refresh that starts after this call: with one under way (which may have missed points
   * written just before this call), the next one is queued behind it and shared by every caller
   * that asks meanwhile. `force` rewrites every stale minute, settled or not (see QUIET_MS): what
   * an explicit refresh after a backfill wants; the timer leaves it off.
   */
  refresh(force = false): Promise<RefreshReport> {
    if (this.#running === null) {
      this.#running = this.#refresh(force)
        .then((report) => {
          this.#completed++;
          return (this.#last = report);
        })
        .finally(() => (this.#running = null));
      return this.#running;
    }
    this.#forceQueued ||= force;
    this.#queued ??= this.#running
      .catch(() => {})
      .then(() => {
        const f = this.#forceQueued;
        this.#queued = null;
        this.#forceQueued = false;
        return this.refresh(f);
      });
    return this.#queued;
  }

  status(): RollupStatus {
    return { watermarks: this.#wm && { ...this.#wm }, running: this.#running !== null, completed: this.#completed, last: this.#last };
  }

  /** Stops listening and waits for a refresh under way. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    await (this.#queued ?? this.#running)?.catch(() => {});
  }

  /**
   * After raw points of a metric before `before` were deleted: drops its rollup rows of every
   * bucket that starts before it, and marks the minute of `before` stale so the buckets that
   * straddle it (that minute and its hour) are rebuilt from the raw points left.
   */
  async deleteBefore(tenant: string, metric: string, before: number): Promise<void> {
    const { store } = this.#o;
    const mid = metricIdOf(tenant, metric);
    for (const table of [...ROLLUP_LEVELS.map((l) => l.table), DIM_TABLE]) {
      await store.client.command({
        query: `DELETE FROM ${store.db}.${table} WHERE metric_id = {mid:UInt64} AND bucket < fromUnixTimestamp64Milli({before:Int64}, 'UTC')`,
        query_params: { mid: BigInt(mid), before },
      });
    }
    if (this.#wm !== null && before < this.#wm['1m']) this.#markStale(mid, before, before);
  }

  #onPoints(tenant: string, metric: string, earliest: number, latest: number): void {
    // Before the first refresh knows its starting point, every point may land below it.
    const below = this.#wm === null ? Infinity : Math.max(this.#wm['1m'], this.#ceiling);
    if (earliest >= below) return;
    this.#markStale(metricIdOf(tenant, metric), earliest, Math.min(latest, below - 1));
  }

  /** Marks the minutes holding [from, to] (ms, inclusive) stale. */
  #markStale(metricId: string, from: number, to: number): void {
    const at = this.#now();
    const span = { from: floorTo(from, MINUTE_MS), to: floorTo(to, MINUTE_MS) + MINUTE_MS, first: at, last: at };
    const spans = this.#stale.get(metricId);
    if (spans === undefined) return void this.#stale.set(metricId, [span]);
    // Flushes of a steady trickle of late points overlap the previous span: extend it.
    const prev = spans[spans.length - 1]!;
    if (span.from <= prev.to && span.to >= prev.from) {
      spans[spans.length - 1] = { from: Math.min(prev.from, span.from), to: Math.max(prev.to, span.to), first: prev.first, last: at };
    } else spans.push(span);
  }

  async #refresh(force: boolean): Promise<RefreshReport> {
    const started = this.#now();
    const { store } = this.#o;
    const target = floorTo(started - MATERIALIZE_AFTER_MS, 60_000);

    // Late points are announced on the bus as they are stored; the engine's log is read on the
    // first refresh of a process (what a crash left unprocessed), and always without a bus.
    if (!this.#logRead || this.#o.bus === undefined) {
      const marks = await store.rows<{ mid: string; m: string | number }>(
        `SELECT DISTINCT toString(metric_id) AS mid, toUnixTimestamp(minute) * 1000 AS m FROM ${store.db}.rollup_dirty
         WHERE at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')`,
        { params: { since: this.#checkpoint - MARK_MARGIN_MS } },
      );
      // A mark at or past the watermark is of a minute not rolled up yet: the forward step below
      // reads its points (stored before this read). Kept, it made the refresh after a backfill of
      // old points — every minute of them is in the log — rewrite the whole backfill.
      const wm1m = this.#wm?.['1m'] ?? -Infinity;
      for (const r of marks) if (Number(r.m) < wm1m) this.#markStale(r.mid, Number(r.m), Number(r.m));
      this.#logRead = true;
    }
    // What is stale now is rewritten by this refresh (its points are stored: the forward step
    // below reads them too); marks that arrive from here on wait for the next one.
    const taken = [...this.#stale].flatMap(([mid, spans]) =>
      spans.filter((x) => force || x.last <= started - QUIET_MS || x.first <= started - MAX_STALE_MS).map((span) => [mid, span] as const),
    );

    let wm = this.#wm;
    if (wm === null) {
      const [row] = await store.rows<{ t: string | number | null }>(`SELECT toUnixTimestamp64Milli(min(ts)) AS t FROM ${store.db}.samples`);
      // An empty table reads as the epoch: start at the target then.
      let earliest = row?.t === null || row?.t === undefined || Number(row.t) <= 0 ? target : Number(row.t);
      // Days archived before rollups were first materialised are rolled up from their files.
      earliest = Math.min(earliest, this.#o.archive?.firstDay() ?? Infinity);
      const start = Math.min(floorTo(earliest, HOUR_MS), floorTo(target, HOUR_MS));
      wm = this.#wm = { '1m': start, '1h': start };
    }
    const before = wm['1m'];

    // 1. Forward, a day at a time; the state is saved after each step so a restart resumes.
    while (wm['1m'] < target) {
      const to = Math.min(target, floorTo(wm['1m'], HOUR_MS) + CHUNK_MS);
      this.#ceiling = to;
      if (this.#minutes) await this.#refreshRange(MINUTES, { from: wm['1m'], to });
      const hoursTo = floorTo(to, HOUR_MS);
      if (hoursTo > wm['1h']) {
        await this.#updateDimKeys(wm['1h']);
        await this.#refreshRange(HOURS, { from: wm['1h'], to: hoursTo });
      }
      wm = this.#wm = { '1m': to, '1h': Math.max(wm['1h'], hoursTo) };
      if (to < target) {
        await this.#save(this.#checkpoint);
        this.#o.onProgress?.({ level: '1m', done: to, to: target });
      }
    }
    this.#ceiling = 0;

    // 2. Rewrite the stale minutes below where this refresh started (the forward step wrote the
    // rest), an hour at a time: the span of its stale minutes, then the whole hour.
    const byHour = new Map<number, { from: number; to: number; metricIds: Set<string> }>();
    for (const [mid, span] of taken) {
      for (let h = floorTo(span.from, HOUR_MS); h < Math.min(span.to, before); h += HOUR_MS) {
        const from = Math.max(span.from, h);
        const to = Math.min(span.to, h + HOUR_MS, before);
        const cur = byHour.get(h);
        if (cur === undefined) byHour.set(h, { from, to, metricIds: new Set([mid]) });
        else {
          cur.from = Math.min(cur.from, from);
          cur.to = Math.max(cur.to, to);
          cur.metricIds.add(mid);
        }
      }
    }
    let rewritten = 0;
    let measured = false;
    for (const [h, r] of [...byHour].sort((a, b) => a[0] - b[0])) {
      const metricIds = [...r.metricIds];
      rewritten += metricIds.length;
      if (!measured && metricIds.some((mid) => !this.#dimNames.has(mid))) {
        await this.#updateDimKeys(wm['1h']);
        measured = true;
      }
      if (this.#minutes) await this.#refreshRange(MINUTES, { from: r.from, to: Math.min(r.to, wm['1m']), metricIds });
      if (h + HOUR_MS <= wm['1h']) await this.#refreshRange(HOURS, { from: h, to: h + HOUR_MS, metricIds });
    }
    // Marks that arrived while this ran stay for the next refresh: only what it took is cleared.
    for (const [mid, span] of taken) {
      const left = this.#stale.get(mid)?.filter((s) => s !== span) ?? [];
      if (left.length > 0) this.#stale.set(mid, left);
      else this.#stale.delete(mid);
    }
    // New hours, or rewritten ones, change the density; it is a scan of a day of 1-hour rows, so
    // at most every 10 minutes once known.
    const changed = rewritten > 0 || wm['1h'] > this.#densityAt;
    if (changed && (this.#density.size === 0 || this.#now() - this.#densityMeasured > 600_000)) await this.#measureDensity();
    // A mark committed later than this refresh started is read again next time.
    await this.#save(started);
    return { watermarks: { ...wm }, rewritten, ms: this.#now() - started };
  }

  /**
   * Rewrites one level's buckets over a range from raw points (archived days included); with the
   * hours, their per-dimension rows.
   */
  async #refreshRange(level: RollupLevel, range: { from: number; to: number; metricIds?: readonly string[] }): Promise<void> {
    const db = this.#o.store.db;
    const source = this.#o.archive?.allSource(db, range.from, range.to) ?? null;
    // The SQL reads raw points only as `${db}.samples`; the source's own reference is inserted, not rescanned.
    const over = (p: { sql: string; params: Record<string, unknown> }) =>
      source === null ? p : { ...p, sql: p.sql.replace(new RegExp(`\\b${db}\\.samples\\b`, 'g'), () => source) };
    await this.#exec(over(refreshSql(db, level, range, this.#now())));
    if (level !== HOURS) return;
    const metrics = this.#dimKeysFrom(range.from, range.metricIds);
    if (metrics.length > 0) await this.#exec(over(dimRefreshSql(db, range, metrics, this.#now())));
  }

  async #exec(p: { sql: string; params: Record<string, unknown> }): Promise<void> {
    await this.#o.store.client.command({ query: p.sql, query_params: p.params });
  }

  async #save(checkpoint: number): Promise<void> {
    const wm = this.#wm;
    if (wm === null) return;
    this.#checkpoint = checkpoint;
    // Strictly increasing, so the latest row wins even within one millisecond.
    const updated = (this.#updated = Math.max(this.#now(), this.#updated + 1));
    const values = (['1m', '1h'] as const).map((level) => ({ level, watermark: wm[level], checkpoint, updated }));
    await this.#o.store.client.insert({ table: `${this.#o.store.db}.rollup_state`, values, format: 'JSONEachRow' });
  }
}
