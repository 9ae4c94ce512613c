/**
 * `npm run bench`: end-to-end figures for docs/benchmarks.md.
 *
 * Starts the built server (`luminate serve`) on a fresh data directory, pre-generates the
 * deterministic workload (bench/workload.ts), sends it through POST /api/v1/write with concurrent
 * clients, then reports ingest points/s, server CPU-seconds per million points, bytes/point on
 * disk (per table), server peak RSS and the median of N runs of four queries.
 *
 *   npm run bench -- [--series 1000000] [--points 10000000] [--concurrency 8] [--batch 10000]
 *                    [--runs 5] [--seed 42] [--data-dir DIR] [--settle 20] [--node-arg=--cpu-prof]
 *                    [--protocol json|remote-write] [--compare victoria-metrics] [--repeat N]
 *   npm run bench -- --scenario long-range [--series 10000] [--days 30] [--runs 5] [--raw-runs 3] [--warmup 3]
 *                    [--data-dir DIR [--reuse]]
 *
 * `--protocol remote-write` sends the same workload as Prometheus remote write (snappy protobuf,
 * one sample per series per request, as Prometheus batches it) to POST /api/v1/prom/write.
 *
 * `--compare victoria-metrics` (implies remote write) runs the same bodies and the same four
 * queries (in PromQL, bench/victoria.ts) against Debian's `victoria-metrics` in the same sitting,
 * alternating Luminate and VictoriaMetrics `--repeat` times (default 3 when comparing), and
 * reports medians and Luminate/VictoriaMetrics ratios.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import snappy from 'snappyjs';
import { encodeWriteRequest } from '../test/helpers/remote-write.js';
import { spawnServer } from '../test/helpers/server.js';
import { createEngine } from '../src/storage/index.js';
import { runLongRange } from './long-range.js';
import { directoryBytes, forceFlush, promQueries, runPromQuery, startVictoria } from './victoria.js';
import { batches, customersFor, seriesDims } from './workload.js';

const { values: args } = parseArgs({
  options: {
    /** Default 1,000,000 (main scenario) or 10,000 (long-range). */
    series: { type: 'string' },
    points: { type: 'string', default: '10000000' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    'data-dir': { type: 'string' },
    settle: { type: 'string', default: '20' },
    /** Extra node flags for the server, e.g. --node-arg=--cpu-prof (profiling). */
    'node-arg': { type: 'string', multiple: true, default: [] },
    protocol: { type: 'string' },
    compare: { type: 'string' },
    repeat: { type: 'string' },
    /** `long-range`: 30 days of 1-minute data, raw vs rollup queries (bench/long-range.ts). */
    scenario: { type: 'string' },
    days: { type: 'string', default: '30' },
    'raw-runs': { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    reuse: { type: 'boolean', default: false },
  },
});
if (args.scenario !== undefined && args.scenario !== 'long-range') throw new Error(`--scenario takes long-range, not ${args.scenario}`);
if (args.compare !== undefined && args.compare !== 'victoria-metrics') throw new Error(`--compare takes victoria-metrics, not ${args.compare}`);
const COMPARE = args.compare !== undefined;
const PROTOCOL = args.protocol ?? (COMPARE ? 'remote-write' : 'json');
if (PROTOCOL !== 'json' && PROTOCOL !== 'remote-write') throw new Error(`--protocol must be json or remote-write, not ${PROTOCOL}`);
// Same data, same protocol: VictoriaMetrics is sent remote write, so Luminate is too.
if (COMPARE && PROTOCOL !== 'remote-write') throw new Error('--compare victoria-metrics sends both servers Prometheus remote write; drop --protocol json');
const REPEAT = Number(args.repeat ?? (COMPARE ? 3 : 1));
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error(`--repeat must be a positive integer, not ${args.repeat}`);
const REMOTE_WRITE = PROTOCOL === 'remote-write';
const WRITE_PATH = REMOTE_WRITE ? '/api/v1/prom/write' : '/api/v1/write';
const WRITE_HEADERS: Record<string, string> = REMOTE_WRITE
  ? { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }
  : { 'content-type': 'application/json' };

/** A JSON batch of the workload as the same samples in a snappy remote-write request. */
function asRemoteWrite(body: string): Buffer {
  const { metrics } = JSON.parse(body) as { metrics: { name: string; timestamp: number; value: number; dimensions: Record<string, string> }[] };
  return Buffer.from(snappy.compress(encodeWriteRequest(metrics.map((m) => ({ labels: { __name__: m.name, ...m.dimensions }, samples: [[m.timestamp, m.value]] })))));
}
const SERIES = Number(args.series ?? (args.scenario === 'long-range' ? 10_000 : 1_000_000));
const POINTS = Number(args.points);
const CONCURRENCY = Number(args.concurrency);
const RUNS = Number(args.runs);
const log = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);

function procStat(pid: number): { cpuSeconds: number; peakRssBytes: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds: ticks / 100, peakRssBytes: kb('VmHWM'), rssBytes: kb('VmRSS') };
}

/** CPU seconds per thread name (main JS thread, libuv pool, engine pools) of a process. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      // The JS main thread has tid = pid; the other "node" threads are libuv's pool (where chdb
      // runs statements) and V8's helpers.
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/[0-9]+$/, '#');
      const name = tid === String(pid) ? 'js-main' : comm === 'node' ? 'node-pool' : comm;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface IngestFigures {
  seconds: number;
  pointsPerSecond: number;
  cpuSecondsPerMillion: number;
  clientCpuSeconds: number;
  retries: number;
}

interface QueryFigures {
  medianMs: number;
  runsMs: number[];
  results: number;
}

interface RunFigures {
  ingest: IngestFigures;
  /** Bytes on disk after ingest and the settle pause. */
  diskBytes: number;
  peakRssBytes: number;
  queries: Record<string, QueryFigures>;
}

/** Sends every body with CONCURRENCY clients (retrying 503s) and measures the server process `pid`. */
async function sendAll(label: string, url: string, headers: Record<string, string>, okStatus: number, bodies: readonly Buffer[], total: number, pid: number): Promise<IngestFigures> {
  const cpuBefore = procStat(pid).cpuSeconds;
  const clientCpuBefore = process.cpuUsage();
  let next = 0;
  let sent = 0;
  let retries = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      for (;;) {
        const res = await fetch(url, { method: 'POST', headers, body: bodies[i] });
        const text = await res.text();
        if (res.status === 503) {
          retries++;
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (res.status !== okStatus) throw new Error(`${label} write answered ${res.status}: ${text.slice(0, 300)}`);
        break;
      }
      sent++;
      if (sent % 100 === 0) log(`${label}: sent ${sent}/${bodies.length} batches`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  const cpu = procStat(pid).cpuSeconds - cpuBefore;
  const pointsPerSecond = total / seconds;
  log(`${label} ingest: ${total.toLocaleString()} points in ${seconds.toFixed(2)} s = ${Math.round(pointsPerSecond).toLocaleString()} points/s (${retries} retries after 503)`);
  log(`${label} server CPU: ${cpu.toFixed(1)} s = ${(cpu / (total / 1e6)).toFixed(2)} CPU-s per million points; the benchmark client used ${clientCpuSeconds.toFixed(1)} CPU-s on the same cores`);
  return { seconds, pointsPerSecond, cpuSecondsPerMillion: cpu / (total / 1e6), clientCpuSeconds, retries };
}

/** Runs each query RUNS times; `run` returns the number of results. */
async function timeQueries<Q>(label: string, queries: Record<string, Q>, run: (q: Q) => Promise<number>): Promise<Record<string, QueryFigures>> {
  const out: Record<string, QueryFigures> = {};
  for (const [name, q] of Object.entries(queries)) {
    const runsMs: number[] = [];
    let results = 0;
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      results = await run(q);
      runsMs.push(performance.now() - t);
    }
    out[name] = { medianMs: median(runsMs), runsMs, results };
    log(`${label} ${name}: median ${median(runsMs).toFixed(1)} ms over ${RUNS} runs (${runsMs.map((x) => x.toFixed(0)).join(', ')}), ${results} results`);
  }
  return out;
}

const settle = () => {
  log(`letting background merges settle for ${args.settle} s`);
  return new Promise((r) => setTimeout(r, Number(args.settle) * 1000));
};

/** One Luminate run on a fresh data directory; returns its figures and the (stopped) server's data directory. */
async function runLuminate(bodies: readonly Buffer[], total: number, one: Record<string, string>): Promise<RunFigures & { dataDir: string }> {
  const dataDir = args['data-dir'] !== undefined && REPEAT === 1 ? args['data-dir'] : mkdtempSync(join(tmpdir(), 'lm-bench-'));
  // Query sharing off: each timed run must execute (the bench measures the engine, not the share window).
  const server = await spawnServer(['--data-dir', dataDir], { LUMINATE_LOGGING_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', LUMINATE_QUERY_LIMITS_SHARE_WINDOW: '0s' }, args['node-arg']);
  const pid = server.child.pid!;
  log(`Luminate pid ${pid} at ${server.url}, data in ${dataDir}`);
  const threadsBefore = threadCpu(pid);
  const ingest = await sendAll('Luminate', `${server.url}${WRITE_PATH}`, WRITE_HEADERS, REMOTE_WRITE ? 204 : 200, bodies, total, pid);
  const threads = [...threadCpu(pid)].map(([n, c]) => [n, c - (threadsBefore.get(n) ?? 0)] as const).filter(([, c]) => c >= 0.05).sort((a, b) => b[1] - a[1]);
  log(`Luminate server CPU by thread: ${threads.map(([n, c]) => `${n} ${c.toFixed(1)}s`).join(', ')}`);
  await settle();

  const queries: Record<string, object> = {
    '(a) one series, raw range, 1h': { queryType: 'range', metricName: 'api_latency', timeRange: { relative: '1h' }, filters: one },
    '(b) p95 by customer_id, 1h, top 10': { queryType: 'aggregate', metricName: 'api_latency', timeRange: { relative: '1h' }, aggregation: 'p95', groupBy: ['customer_id'], limit: 10 },
    '(c) rate for one customer, 1m, 1h': { queryType: 'rate', metricName: 'api_latency', timeRange: { relative: '1h' }, interval: '1m', filters: { customer_id: one.customer_id } },
    '(d) avg by region, 1h': { queryType: 'aggregate', metricName: 'api_latency', timeRange: { relative: '1h' }, aggregation: 'avg', groupBy: ['region'] },
  };
  const queryResults = await timeQueries('Luminate', queries, async (q) => {
    const res = await fetch(`${server.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...q, timeout: '30s' }) });
    const body = (await res.json()) as { results?: unknown[]; error?: unknown };
    if (res.status !== 200) throw new Error(`query answered ${res.status}: ${JSON.stringify(body)}`);
    return body.results?.length ?? 0;
  });

  const health = (await (await fetch(`${server.url}/api/v1/health`)).json()) as { storage: { disk_used_bytes: number } };
  const final = procStat(pid);
  server.child.kill('SIGTERM');
  await server.exited;
  if (process.env.BENCH_LOG_LEVEL === 'debug') writeFileSync('.bench/server.log', server.output());
  return { ingest, diskBytes: health.storage.disk_used_bytes, peakRssBytes: final.peakRssBytes, queries: queryResults, dataDir };
}

/** One VictoriaMetrics run on a fresh data directory, with the same bodies (remote write) and the four queries in PromQL. */
async function runVictoria(bodies: readonly Buffer[], total: number, one: Record<string, string>): Promise<RunFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vm-bench-'));
  const vm = await startVictoria(dataDir);
  log(`VictoriaMetrics pid ${vm.pid} at ${vm.url}, data in ${dataDir}`);
  try {
    const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
    const ingest = await sendAll('VictoriaMetrics', `${vm.url}/api/v1/write`, headers, 204, bodies, total, vm.pid);
    await forceFlush(vm.url);
    await settle();
    const queryResults = await timeQueries('VictoriaMetrics', promQueries(one), (q) => runPromQuery(vm.url, q));
    const diskBytes = directoryBytes(dataDir);
    const final = procStat(vm.pid);
    return { ingest, diskBytes, peakRssBytes: final.peakRssBytes, queries: queryResults };
  } finally {
    await vm.stop();
  }
}

/** Opens a stopped server's data directory in this process: bytes per table and column, and after a full merge. */
async function storageBreakdown(dataDir: string, total: number) {
  const { client } = await createEngine({ type: 'embedded', dataDir });
  const rs = await client.query({
    query: `SELECT table, column, sum(column_data_compressed_bytes) AS compressed, sum(column_data_uncompressed_bytes) AS uncompressed
      FROM system.parts_columns WHERE database = 'luminate' AND active GROUP BY table, column ORDER BY table, column`,
    format: 'JSONEachRow',
  });
  const columns = await rs.json<{ table: string; column: string; compressed: string | number; uncompressed: string | number }>();
  const rs2 = await client.query({ query: `SELECT table, sum(bytes_on_disk) AS bytes, sum(rows) AS rows, count() AS parts FROM system.parts WHERE database = 'luminate' AND active GROUP BY table ORDER BY table`, format: 'JSONEachRow' });
  const tables = await rs2.json<{ table: string; bytes: string | number; rows: string | number; parts: string | number }>();
  // Parts merge in the background; report the size once they have (as ClickHouse gets there on
  // its own over time), next to the size measured right after ingest.
  const optimizeStarted = performance.now();
  for (const t of ['samples', 'series']) await client.command({ query: `OPTIMIZE TABLE luminate.${t} FINAL` });
  const rs3 = await client.query({ query: `SELECT sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = 'luminate' AND active`, format: 'JSONEachRow' });
  const mergedBytes = Number((await rs3.json<{ bytes: string | number }>())[0]?.bytes ?? 0);
  log(`after merging every part: ${(mergedBytes / 2 ** 20).toFixed(1)} MiB = ${(mergedBytes / total).toFixed(2)} bytes/point (merge took ${((performance.now() - optimizeStarted) / 1000).toFixed(1)} s)`);
  await client.close();
  for (const t of tables) log(`table ${t.table}: ${Number(t.rows).toLocaleString()} rows, ${(Number(t.bytes) / 2 ** 20).toFixed(1)} MiB in ${t.parts} parts = ${(Number(t.bytes) / total).toFixed(2)} bytes/point`);
  for (const c of columns) log(`  ${c.table}.${c.column}: ${(Number(c.compressed) / total).toFixed(3)} bytes/point compressed (${(Number(c.uncompressed) / Math.max(1, Number(c.compressed))).toFixed(1)}×)`);
  return { tables, columns, mergedBytes };
}

/** The median run's figures, figure by figure. */
function medians(runs: readonly RunFigures[]): RunFigures {
  const m = (f: (r: RunFigures) => number) => median(runs.map(f));
  const first = runs[0]!;
  return {
    ingest: {
      seconds: m((r) => r.ingest.seconds),
      pointsPerSecond: m((r) => r.ingest.pointsPerSecond),
      cpuSecondsPerMillion: m((r) => r.ingest.cpuSecondsPerMillion),
      clientCpuSeconds: m((r) => r.ingest.clientCpuSeconds),
      retries: m((r) => r.ingest.retries),
    },
    diskBytes: m((r) => r.diskBytes),
    peakRssBytes: m((r) => r.peakRssBytes),
    queries: Object.fromEntries(
      Object.keys(first.queries).map((name) => {
        const all = runs.flatMap((r) => r.queries[name]!.runsMs);
        return [name, { medianMs: median(runs.map((r) => r.queries[name]!.medianMs)), runsMs: all, results: first.queries[name]!.results }];
      }),
    ),
  };
}

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  log(`workload: ${SERIES.toLocaleString()} series, ${POINTS.toLocaleString()} points, batches of ${args.batch}, ${CONCURRENCY} concurrent clients, seed ${args.seed}, protocol ${PROTOCOL}${COMPARE ? ', compared with VictoriaMetrics' : ''}, ${REPEAT} run(s)`);

  // Pre-generate every body before the clock starts: the client must not compete with the server.
  const start = Date.now() - 56 * 60_000;
  const bodies: Buffer[] = [];
  let total = 0;
  const genStarted = performance.now();
  for (const b of batches({ series: SERIES, points: POINTS, batchSize: Number(args.batch), seed: Number(args.seed), start })) {
    bodies.push(REMOTE_WRITE ? asRemoteWrite(b.body) : Buffer.from(b.body));
    total += b.points;
    if (bodies.length % 100 === 0) log(`generated ${total.toLocaleString()} points`);
  }
  log(`generated ${bodies.length} bodies (${(bodies.reduce((a, b) => a + b.length, 0) / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - genStarted) / 1000).toFixed(1)} s`);

  const customers = customersFor(SERIES);
  const one = seriesDims(12345 % (customers * 10), customers);
  const luminateRuns: RunFigures[] = [];
  const victoriaRuns: RunFigures[] = [];
  let lastDataDir = '';
  // Alternate the two servers, so drift in this shared machine's speed hits both alike.
  for (let r = 1; r <= REPEAT; r++) {
    if (REPEAT > 1) log(`— run ${r} of ${REPEAT} —`);
    const lum = await runLuminate(bodies, total, one);
    luminateRuns.push(lum);
    lastDataDir = lum.dataDir;
    if (COMPARE) victoriaRuns.push(await runVictoria(bodies, total, one));
  }
  bodies.length = 0;

  const storage = await storageBreakdown(lastDataDir, total);
  const lum = medians(luminateRuns);
  const vm = COMPARE ? medians(victoriaRuns) : null;

  const summary = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    workload: { series: SERIES, points: total, batch: Number(args.batch), concurrency: CONCURRENCY, seed: Number(args.seed), protocol: PROTOCOL, repeat: REPEAT },
    luminate: { ...lum, bytesPerPoint: lum.diskBytes / total, mergedBytes: storage.mergedBytes, mergedBytesPerPoint: storage.mergedBytes / total, tables: storage.tables, columns: storage.columns, runs: luminateRuns },
    ...(vm !== null ? { victoriaMetrics: { ...vm, bytesPerPoint: vm.diskBytes / total, runs: victoriaRuns } } : {}),
  };
  mkdirSync('.bench', { recursive: true });
  const out = join('.bench', `results-${summary.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(summary, null, 2));

  const of = REPEAT > 1 ? `, median of ${REPEAT} runs` : '';
  process.stdout.write(`
Luminate benchmark — ${SERIES.toLocaleString()} series, ${total.toLocaleString()} points${of} (${out})
  ingest (POST ${WRITE_PATH}, ${CONCURRENCY} clients)${' '.repeat(Math.max(1, 16 - WRITE_PATH.length))}${Math.round(lum.ingest.pointsPerSecond).toLocaleString()} points/s
  server CPU                                     ${lum.ingest.cpuSecondsPerMillion.toFixed(2)} CPU-s per million points
  disk after ingest + ${args.settle}s                      ${(lum.diskBytes / total).toFixed(2)} bytes/point (${(lum.diskBytes / 2 ** 20).toFixed(1)} MiB)
  disk once parts are merged                     ${(storage.mergedBytes / total).toFixed(2)} bytes/point (${(storage.mergedBytes / 2 ** 20).toFixed(1)} MiB)
  server peak RSS                                ${(lum.peakRssBytes / 2 ** 20).toFixed(0)} MiB
${Object.entries(lum.queries).map(([n, r]) => `  ${n.padEnd(46)} ${r.medianMs.toFixed(1)} ms (median of ${RUNS})`).join('\n')}
`);
  if (vm !== null) {
    const row = (label: string, l: number, v: number, unit: string, digits = 0) =>
      `  ${label.padEnd(38)} ${l.toLocaleString(undefined, { maximumFractionDigits: digits }).padStart(12)} ${v.toLocaleString(undefined, { maximumFractionDigits: digits }).padStart(12)}  ${(l / v).toFixed(2).padStart(6)}×  ${unit}`;
    process.stdout.write(`
Luminate vs VictoriaMetrics (same remote-write bodies, same sitting${of})
  ${''.padEnd(38)} ${'Luminate'.padStart(12)} ${'VictoriaM.'.padStart(12)}  ${'L/VM'.padStart(7)}
${row('ingest (higher is better)', lum.ingest.pointsPerSecond, vm.ingest.pointsPerSecond, 'points/s')}
${row('server CPU', lum.ingest.cpuSecondsPerMillion, vm.ingest.cpuSecondsPerMillion, 'CPU-s per million points', 2)}
${row('server peak RSS', lum.peakRssBytes / 2 ** 20, vm.peakRssBytes / 2 ** 20, 'MiB')}
${row(`disk after ingest + ${args.settle}s`, lum.diskBytes / total, vm.diskBytes / total, 'bytes/point', 2)}
${Object.keys(lum.queries).map((n) => row(n, lum.queries[n]!.medianMs, vm.queries[n]!.medianMs, 'ms', 1)).join('\n')}
`);
  }
}

(args.scenario === 'long-range'
  ? runLongRange({ series: SERIES, days: Number(args.days), runs: RUNS, rawRuns: Number(args['raw-runs']), warmup: Number(args.warmup), dataDir: args['data-dir'], reuse: args.reuse, log })
  : main()
).catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
