/**
 * The acceptor's CPU per point, without HTTP or the engine: JSON.parse of a 10,000-point body,
 * then validate → series id → TSV row (resolveWriteBody), with a warm and a cold series cache.
 *
 *   npm run bench:resolve
 */
import { DEFAULT_VALIDATION_LIMITS, SeriesCache, resolveWriteBody } from '../../src/ingest/index.js';
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
    Buffer.from(r.batch.samples);
    resolveMs += performance.now() - t1;
    parseMs += t1 - t0;
  }
  console.log(`${label.padEnd(28)} parse ${((parseMs * 1000) / points).toFixed(2)} µs/pt   resolve+format ${((resolveMs * 1000) / points).toFixed(2)} µs/pt   → ${Math.round(points / ((parseMs + resolveMs) / 1000)).toLocaleString()} points/s on one core`);
}

const warm = new SeriesCache(2_000_000);
run('warm-up', () => warm);
for (let i = 0; i < 3; i++) run('known series (cache hit)', () => warm);
run('new series (cache miss)', () => new SeriesCache(2_000_000));
