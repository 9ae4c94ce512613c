/**
 * The remote-write acceptor's CPU per sample on one core, no HTTP and no engine, on the bench
 * workload encoded as Prometheus sends it (10,000 series × 1 sample per request):
 *   - general path: snappy decompress → protobuf decode to objects → resolveSeries (validate,
 *     series id, limits, TSV);
 *   - fast lane: snappy decompress → fastRemoteWrite (all of that from the bytes, in one pass);
 *   - native lane: nativeRemoteWrite (native/lane.cc: snappy, the scan and the sample block in one
 *     call; JavaScript admits and records the new series).
 *
 *   npm run bench:remote-write
 */
import snappy from 'snappyjs';
import { snappyDecoder, uncompressBlock } from '../../src/ingest/snappy-block.js';
import { encodeWriteRequest } from '../../test/helpers/remote-write.js';
import { CardinalityGuard, DEFAULT_VALIDATION_LIMITS, SampleBlockWriter, SeriesCache, decodeWriteRequest, resolveSeries } from '../../src/ingest/index.js';
import { fastRemoteWrite } from '../../src/ingest/fast-remote-write.js';
import { nativeLane, nativeRemoteWrite } from '../../src/ingest/native-lane.js';
import { batches } from '../workload.js';

const start = Date.now() - 56 * 60_000;
const bodies = [...batches({ series: 100_000, points: 200_000, batchSize: 10_000, seed: 42, start })].map((b) => {
  const { metrics } = JSON.parse(b.body) as { metrics: { name: string; timestamp: number; value: number; dimensions: Record<string, string> }[] };
  return Buffer.from(snappy.compress(encodeWriteRequest(metrics.map((m) => ({ labels: { __name__: m.name, ...m.dimensions }, samples: [[m.timestamp, m.value]] })))));
});
const points = bodies.length * 10_000;
const bytes = bodies.reduce((n, b) => n + b.length, 0);
console.log(`${bodies.length} requests, ${(bytes / points).toFixed(1)} compressed bytes per sample; snappy decoder: ${snappyDecoder}`);
/** As the server bounds a decoded body (max_request_size_bytes). */
const MAX_DECODED = 64 << 20;

function run(label: string, cache: SeriesCache, guard: CardinalityGuard) {
  let unz = 0;
  let dec = 0;
  let res = 0;
  for (const body of bodies) {
    const t0 = performance.now();
    const raw = uncompressBlock(body, MAX_DECODED);
    const t1 = performance.now();
    const d = decodeWriteRequest(raw);
    const t2 = performance.now();
    const r = resolveSeries(d.series, { tenant: 'default', limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 10_000, now: Date.now(), cache, cardinality: guard.session('default') });
    cache.markStored(r.batch.newSeries);
    res += performance.now() - t2;
    dec += t2 - t1;
    unz += t1 - t0;
  }
  const us = (ms: number) => ((ms * 1000) / points).toFixed(2);
  console.log(`${label.padEnd(26)} snappy ${us(unz)} + decode ${us(dec)} + resolve ${us(res)} µs/sample → ${Math.round(points / ((unz + dec + res) / 1000)).toLocaleString()} samples/s on one core`);
}

function runFast(label: string, cache: SeriesCache, guard: CardinalityGuard) {
  const rows = new SampleBlockWriter();
  let unz = 0;
  let lane = 0;
  for (const body of bodies) {
    const t0 = performance.now();
    const raw = uncompressBlock(body, MAX_DECODED);
    const t1 = performance.now();
    const r = fastRemoteWrite(raw, { tenant: 'default', limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 10_000, now: Date.now(), cache, cardinality: guard.session('default'), rows });
    if (r === null) throw new Error('the fast lane refused the workload');
    cache.markStored(r.batch.newSeries);
    lane += performance.now() - t1;
    unz += t1 - t0;
  }
  const us = (ms: number) => ((ms * 1000) / points).toFixed(2);
  console.log(`${label.padEnd(26)} snappy ${us(unz)} + decode+resolve ${us(lane)} µs/sample → ${Math.round(points / ((unz + lane) / 1000)).toLocaleString()} samples/s on one core`);
}

const newGuard = () => new CardinalityGuard({ maxSeriesPerMetric: 1_000_000, maxMetricsPerTenant: 1000, warningThreshold: 0.8, overflow: [] });
let guard = newGuard();
let cache = new SeriesCache(2_000_000);
run('general, new series', cache, guard);
for (let i = 0; i < 3; i++) run('general, known series', cache, guard);
guard = newGuard();
cache = new SeriesCache(2_000_000);
runFast('fast lane, new series', cache, guard);
for (let i = 0; i < 3; i++) runFast('fast lane, known series', cache, guard);

function runNative(label: string, cache: SeriesCache, guard: CardinalityGuard) {
  let lane = 0;
  for (const body of bodies) {
    const t0 = performance.now();
    const r = nativeRemoteWrite(body, MAX_DECODED, { tenant: 'default', limits: DEFAULT_VALIDATION_LIMITS, maxBatchSize: 10_000, now: Date.now(), cache, cardinality: guard.session('default') });
    if (typeof r !== 'object') throw new Error(`the native lane refused the workload (${r})`);
    cache.markStored(r.batch.newSeries);
    lane += performance.now() - t0;
  }
  const us = (ms: number) => ((ms * 1000) / points).toFixed(2);
  console.log(`${label.padEnd(26)} snappy+decode+resolve ${us(lane)} µs/sample → ${Math.round(points / (lane / 1000)).toLocaleString()} samples/s on one core`);
}

if (!nativeLane.available) {
  console.log(`native lane: not available (${nativeLane.reason})`);
} else {
  guard = newGuard();
  cache = new SeriesCache(2_000_000);
  runNative('native lane, new series', cache, guard);
  for (let i = 0; i < 3; i++) runNative('native lane, known series', cache, guard);
}
