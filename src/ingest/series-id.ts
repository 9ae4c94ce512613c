/**
 * Series identity (DESIGN decision 2): a series is (tenant, metric name, sorted dimensions); its id
 * is a stable 64-bit hash of that, computed at ingest with no registry round-trip.
 *
 * The canonical key is `tenant \0 metric \0 k1 \0 v1 \0 k2 \0 v2 …` with keys in code-unit order.
 * `\0` cannot appear in any part (names and keys match ^[a-zA-Z_][a-zA-Z0-9_]*$, values reject
 * control characters), so the key is unambiguous. The id is the first 64 bits of MurmurHash3
 * x86_128 (seed 0) over the key's UTF-16LE code units, as an unsigned decimal string (the form the
 * engine reads for UInt64). Changing any of this changes every stored id: never do it without a
 * migration. `series-id.test.ts` pins golden values.
 *
 * The hash itself is `SeriesHasher` (series-hasher.ts), which the write path feeds part by part
 * without building this key; these string forms serve metric ids, tests and tools.
 */
import { SeriesHasher, idText } from './series-hasher.js';
import type { NewSeries } from './types.js';

export function canonicalSeriesKey(tenant: string, metric: string, dimensions: Readonly<Record<string, string>> | undefined): string {
  let key = tenant + '\u0000' + metric;
  if (dimensions === undefined || dimensions === null) return key;
  const keys = Object.keys(dimensions);
  if (keys.length > 1) keys.sort();
  for (const k of keys) key += '\u0000' + k + '\u0000' + dimensions[k]!;
  return key;
}

/** MurmurHash3 x86_128 over UTF-16LE code units; returns [h1, h2] (the first 64 bits). */
export function murmur3x86_128(s: string): [number, number] {
  const h = new SeriesHasher();
  h.string(s);
  h.finish();
  return [h.hi, h.lo];
}

/** The series id of a canonical key: an unsigned 64-bit integer as a decimal string. */
export function seriesIdOf(key: string): string {
  const [hi, lo] = murmur3x86_128(key);
  return idText(hi, lo);
}

/**
 * The metric id of (tenant, metric): the same hash over `\u0001 tenant \0 metric` (the leading
 * \u0001 keeps it apart from the id of a dimensionless series). Samples are keyed by it, so a
 * query computed for one tenant can only ever read that tenant's rows.
 */
export function metricIdOf(tenant: string, metric: string): string {
  return seriesIdOf('\u0001' + tenant + '\u0000' + metric);
}

/** `metricIdOf` as its [hi, lo] 32-bit words (the form sample blocks store). */
export function metricIdWords(tenant: string, metric: string): [hi: number, lo: number] {
  return murmur3x86_128('\u0001' + tenant + '\u0000' + metric);
}

/** The series row of (tenant, metric, dimensions), for tools and tests that record series directly. */
export function newSeriesOf(tenant: string, metric: string, dimensions: Record<string, string>): NewSeries {
  const [hi, lo] = murmur3x86_128(canonicalSeriesKey(tenant, metric, dimensions));
  return { seriesId: idText(hi, lo), hi, lo, tenant, metric, dimensions };
}
