/**
 * `npm run bench -- --scenario long-range [--series 10000] [--days 30] [--runs 5]`: 30 days of
 * 1-minute points for 10,000 series (customer × region), then p95 by customer and avg by region
 * over the 30 days at 1 h steps, from raw samples (`"resolution":"raw"`) and from the rollups.
 *
 * The points are generated inside the engine (INSERT … SELECT from numbers(), a day per
 * statement) on a fresh data directory: 432 M points through HTTP would take most of an hour and
 * measure ingest, which the main scenario does. The server then starts on that directory, and
 * its first rollup refresh backfills the existing data (what an upgrade does), timed here.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer } from '../test/helpers/server.js';
import { metricIdOf, newSeriesOf, type NewSeries } from '../src/ingest/index.js';
import { Store, createEngine } from '../src/storage/index.js';

export interface LongRangeOptions {
  series: number;
  days: number;
  runs: number;
  rawRuns: number;
  /** Rollup runs of each query before the timed ones (reported apart): a new server process warms up over its first few queries. */
  warmup: number;
  dataDir?: string | undefined;
  /** Reuse the points already in dataDir (from an earlier run with the same sizes). */
  reuse: boolean;
  log: (msg: string) => void;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const REGIONS = 10;
const METRIC = 'api_latency';
/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
/**
 * Waits until the server is idle (under 10% of a core over 5 s), so that no background merge of
 * the backfill's parts (the 1-minute level alone is ~9 GB here) runs while queries are timed.
 */
async function waitIdle(pid: number, log: (msg: string) => void, maxMs = 30 * MINUTE): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const c0 = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 5000));
    const busy = (cpuSeconds(pid) - c0) / 5;
    if (busy < 0.1) {
      log(`server idle (${(busy * 100).toFixed(0)}% of a core over 5 s) after ${((performance.now() - t0) / 1000).toFixed(0)} s of waiting`);
      return;
    }
    if (performance.now() - t0 > maxMs) {
      log(`server still busy (${(busy * 100).toFixed(0)}% of a core) after ${maxMs / MINUTE} min: timing anyway`);
      return;
    }
    log(`waiting for background merges: server at ${(busy * 100).toFixed(0)}% of a core`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function generate(dataDir: string, o: LongRangeOptions, end: number): Promise<number> {
  const engine = await createEngine({ type: 'embedded', dataDir });
  const store = new Store({ engine, database: 'luminate', backend: 'embedded' });
  await store.migrate();
  const customers = Math.max(1, Math.floor(o.series / REGIONS));
  const series: NewSeries[] = [];
  for (let s = 0; s < o.series; s++) {
    const dimensions = { customer_id: `cust_${String(s % customers).padStart(5, '0')}`, region: `region-${Math.floor(s / customers) % REGIONS}` };
    series.push(newSeriesOf('default', METRIC, dimensions));
  }
  await store.insertSeries(series);
  const ids = series.map((s) => BigInt(s.seriesId));
  const perDay = (DAY / MINUTE) * o.series;
  const start = end - o.days * DAY;
  for (let d = 0; d < o.days; d++) {
    const t0 = performance.now();
    // A latency-like value: a per-series level, a daily cycle, and per-point noise.
    await store.client.command({
      query: `INSERT INTO luminate.samples (metric_id, series_id, ts, value)
        SELECT {mid:UInt64}, {ids:Array(UInt64)}[(number % {n:UInt64}) + 1], fromUnixTimestamp64Milli(toInt64({from:Int64} + intDiv(number, {n:UInt64}) * 60000), 'UTC'),
          round(20 + (number % {n:UInt64}) % 97 + 15 * sin(intDiv(number, {n:UInt64}) / 229.2) + (cityHash64(number) % 10000) / 100, 2)
        FROM numbers({count:UInt64})`,
      query_params: { mid: BigInt(metricIdOf('default', METRIC)), ids, n: o.series, from: start + d * DAY, count: perDay },
    });
    o.log(`generated day ${d + 1}/${o.days}: ${perDay.toLocaleString()} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await store.close();
  return perDay * o.days;
}

type Answer = { results: { groupKey: Record<string, string>; timestamp?: number; value: number }[]; resolution?: string; executionTimeMs: number };

export async function runLongRange(o: LongRangeOptions): Promise<void> {
  if (o.reuse && o.dataDir === undefined) throw new Error('--reuse needs --data-dir');
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'lm-bench-long-'));
  o.log(`long-range: ${o.series.toLocaleString()} series × ${o.days} days at 1-minute resolution in ${dataDir}`);
  let points: number;
  let end: number;
  if (o.reuse) {
    const engine = await createEngine({ type: 'embedded', dataDir });
    const [row] = await (await engine.client.query({ query: 'SELECT count() AS n, toUnixTimestamp64Milli(max(ts)) AS t FROM luminate.samples', format: 'JSONEachRow' })).json<{ n: string; t: string }>();
    await engine.client.close();
    points = Number(row?.n ?? 0);
    end = Number(row?.t ?? 0) + MINUTE;
    o.log(`reusing ${points.toLocaleString()} points ending ${new Date(end).toISOString()}`);
  } else {
    // Whole minutes, ending 5 minutes ago: the rollups cover everything but the last few minutes.
    end = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
    const g0 = performance.now();
    points = await generate(dataDir, o, end);
    o.log(`generated ${points.toLocaleString()} points in ${((performance.now() - g0) / 1000).toFixed(0)} s`);
  }

  // Raw 30-day scans take longer than the default 30 s limits; sharing off so every run executes.
  const server = await spawnServer(['--data-dir', dataDir], {
    LUMINATE_LOGGING_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    LUMINATE_QUERY_LIMITS_SHARE_WINDOW: '0s',
    LUMINATE_QUERY_LIMITS_MAX_QUERY_TIMEOUT: '600s',
    LUMINATE_SERVER_WRITE_TIMEOUT: '900s',
  });
  try {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json());
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json).slice(0, 500)}`);
      return json;
    };
    // The server's first refresh has been backfilling since it started: wait until it is done.
    const b0 = performance.now();
    type Status = { running: boolean; completed: number; watermarks: Record<string, number> | null };
    let status: Status;
    for (;;) {
      status = (await (await fetch(`${server.url}/api/v1/admin/rollups`)).json()) as Status;
      if (!status.running && status.completed > 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const backfill = (performance.now() - b0) / 1000;
    // From process start: loading series counts is noise next to a backfill.
    const cpu = cpuSeconds(server.child.pid!);
    o.log(`server CPU up to here: ${cpu.toFixed(0)} s = ${((cpu / points) * 1e6).toFixed(2)} CPU-s per million points rolled up`);
    if (o.reuse) o.log(`first refresh after the restart: ${backfill.toFixed(0)} s; watermarks ${JSON.stringify(status.watermarks)}`);
    else o.log(`rollup backfill (the first refresh over existing data): ${backfill.toFixed(0)} s = ${Math.round(points / backfill).toLocaleString()} points/s; watermarks ${JSON.stringify(status.watermarks)}`);

    await waitIdle(server.child.pid!, o.log);

    const range = { start: new Date(end - o.days * DAY).toISOString(), end: new Date(end).toISOString() };
    const queries: Record<string, object> = {
      'p95 by customer, top 10, 1h steps': { queryType: 'aggregate', metricName: METRIC, timeRange: range, aggregation: 'p95', groupBy: ['customer_id'], interval: '1h', limit: 10, timeout: '600s' },
      'avg by region, 1h steps': { queryType: 'aggregate', metricName: METRIC, timeRange: range, aggregation: 'avg', groupBy: ['region'], interval: '1h', timeout: '600s' },
    };
    const rows: string[] = [];
    const time = async (body: object, runs: number) => {
      const ms: number[] = [];
      let last: Answer | undefined;
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        last = (await post('/api/v1/query', body)) as Answer;
        ms.push(performance.now() - t);
      }
      return { ms, answer: last! };
    };
    // A new server process answers its first few queries slower (CPU, not disk: the engine's
    // per-process caches of marks and indexes; 430-550 ms, then 150-300, then 105-145 ms
    // in-process from the fourth run on, with or without JIT): those runs are reported apart.
    if (o.warmup > 0) {
      for (const [name, q] of Object.entries(queries)) {
        const w = await time({ ...q, resolution: '1h' }, o.warmup);
        o.log(`${name}: first ${o.warmup} queries after the server started (not in the medians): ${w.ms.map((x) => x.toFixed(0)).join(', ')} ms`);
      }
    }
    // Every rollup run first, then the raw ones: a raw 30-day scan holds GBs of engine memory, and
    // the queries right after it ran 2-5x slower while the process gave that back (measured: avg by
    // region ~105 ms before one, 300-700 ms for the ten queries after it).
    // The rollup path forced (auto reads percentiles of sparse series raw); what auto picks is reported.
    const rolledRuns = new Map<string, { ms: number[]; answer: Answer }>();
    for (const [name, q] of Object.entries(queries)) rolledRuns.set(name, await time({ ...q, resolution: '1h' }, o.runs));
    const autoPicks = new Map<string, Answer>();
    for (const [name, q] of Object.entries(queries)) autoPicks.set(name, (await post('/api/v1/query', q)) as Answer);
    for (const [name, q] of Object.entries(queries)) {
      const rolled = rolledRuns.get(name)!;
      const auto = autoPicks.get(name)!;
      const rolledPart = `${name} (auto picks ${auto.resolution}): rollup (${rolled.answer.resolution}) median ${median(rolled.ms).toFixed(0)} ms [${rolled.ms.map((x) => x.toFixed(0)).join(', ')}]`;
      let line = `${rolledPart}, raw not run (--raw-runs 0)`;
      if (o.rawRuns > 0) {
        const raw = await time({ ...q, resolution: 'raw' }, o.rawRuns);
        // Same answer? Compare every (group, bucket) both list.
        const rawByKey = new Map(raw.answer.results.map((r) => [JSON.stringify([r.groupKey, r.timestamp]), r.value]));
        let worst = 0;
        let compared = 0;
        for (const r of rolled.answer.results) {
          const v = rawByKey.get(JSON.stringify([r.groupKey, r.timestamp]));
          if (v === undefined) continue;
          compared++;
          worst = Math.max(worst, Math.abs(r.value - v) / Math.max(Math.abs(v), 1e-12));
        }
        line = `${rolledPart}, raw median ${median(raw.ms).toFixed(0)} ms [${raw.ms.map((x) => x.toFixed(0)).join(', ')}], ${(median(raw.ms) / median(rolled.ms)).toFixed(1)}× faster; ${rolled.answer.results.length} points, ${compared} compared with raw, largest relative difference ${(worst * 100).toFixed(3)}%`;
      }
      o.log(line);
      rows.push(line);
    }
    const storage = (await (await fetch(`${server.url}/api/v1/admin/storage`)).json()) as { tables: { table: string; rows: number; bytes_on_disk: number }[] };
    for (const t of storage.tables) o.log(`table ${t.table}: ${t.rows.toLocaleString()} rows, ${(t.bytes_on_disk / 2 ** 20).toFixed(1)} MiB (${(t.bytes_on_disk / points).toFixed(2)} B per raw point)`);
    o.log('summary:');
    for (const r of rows) o.log(`  ${r}`);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}
