/**
 * The acceptor's CPU per point, without HTTP or the engine, on 10,000-point bodies: the general
 * path (JSON.parse, then validate → series id → TSV row in resolveWriteBody) and the byte-level
 * fast lane (fastResolve), with a warm and a cold series cache.
 *
 *   npm run bench:resolve
 */
import { CardinalityGuard, DEFAULT_VALIDATION_LIMITS, SampleBlockWriter, SeriesCache, fastResolve, resolveWriteBody } from '../../src/ingest/index.js';
import { batches } from '../workload.js';

const start = Date.now() - 56 * 60_000;
const bodies = [...batches({ series: 100_000, points: 200_000, batchSize: 10_000, seed: 42, start })].map((b) => Buffer.from(b.body));
const points = bodies.length * 10_000;

function run(label: string, cache: () => SeriesCache) {
  const c = cache();
  let parseMs = 0;
  let resolveMs = 0;
  for (const body of bodies) {
    const t0 = performance.now();
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    const t1 = performance.now();
    const r = resolveWriteBody(parsed, { tenant: 'default', limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 10_000, now: Date.now(), cache: c });
    c.markStored(r.batch.newSeries);
    resolveMs += performance.now() - t1;
    parseMs += t1 - t0;
  }
  console.log(`${label.padEnd(28)} parse ${((parseMs * 1000) / points).toFixed(2)} µs/pt   resolve+format ${((resolveMs * 1000) / points).toFixed(2)} µs/pt   → ${Math.round(points / ((parseMs + resolveMs) / 1000)).toLocaleString()} points/s on one core`);
}

const warm = new SeriesCache(2_000_000);
run('warm-up', () => warm);
for (let i = 0; i < 3; i++) run('known series (cache hit)', () => warm);
run('new series (cache miss)', () => new SeriesCache(2_000_000));

const rows = new SampleBlockWriter();
/** The default cardinality limits (1M series per metric, 1000 metrics), as the server runs. */
const guarded = () => new CardinalityGuard({ maxSeriesPerMetric: 1_000_000, maxMetricsPerTenant: 1000, warningThreshold: 0.8, overflow: [] });

function runFast(label: string, cache: () => SeriesCache, guard?: CardinalityGuard) {
  const c = cache();
  const t0 = performance.now();
  for (const body of bodies) {
    const b = fastResolve(body, { tenant: 'default', limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 10_000, now: Date.now(), cache: c, cardinality: guard?.session('default'), rows });
    if (b === null) throw new Error('fast lane refused a workload body');
    c.markStored(b.newSeries);
  }
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(28)} parse+resolve+format ${((ms * 1000) / points).toFixed(2)} µs/pt   → ${Math.round(points / (ms / 1000)).toLocaleString()} points/s on one core`);
}

const warmFast = new SeriesCache(2_000_000);
runFast('fast lane warm-up', () => warmFast);
for (let i = 0; i < 3; i++) runFast('fast lane, known series', () => warmFast);
runFast('fast lane, new series', () => new SeriesCache(2_000_000));
runFast('fast lane, new, with limits', () => new SeriesCache(2_000_000), guarded());
runFast('fast lane, new series', () => new SeriesCache(2_000_000));
runFast('fast lane, new, with limits', () => new SeriesCache(2_000_000), guarded());
// After a restart: every series is counted but none is in the cache.
const restarted = guarded();
runFast('(counting)', () => new SeriesCache(2_000_000), restarted);
runFast('fast lane, counted, cold cache', () => new SeriesCache(2_000_000), restarted);
