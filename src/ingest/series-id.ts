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
 * Hand-written because it runs once per point on a miss of the series cache and reads UTF-16 code
 * units directly (no TextEncoder pass, no BigInt on the mixing path).
 */

export function canonicalSeriesKey(tenant: string, metric: string, dimensions: Readonly<Record<string, string>> | undefined): string {
  let key = tenant + '\u0000' + metric;
  if (dimensions === undefined || dimensions === null) return key;
  const keys = Object.keys(dimensions);
  if (keys.length > 1) keys.sort();
  for (const k of keys) key += '\u0000' + k + '\u0000' + dimensions[k]!;
  return key;
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Reads the 32-bit little-endian word made of code units i and i+1 (0 past the end). */
function word(s: string, i: number, n: number): number {
  const lo = i < n ? s.charCodeAt(i) : 0;
  const hi = i + 1 < n ? s.charCodeAt(i + 1) : 0;
  return (lo | (hi << 16)) >>> 0;
}

/** MurmurHash3 x86_128 over UTF-16LE code units; returns [h1, h2] (the first 64 bits). */
export function murmur3x86_128(s: string): [number, number] {
  const n = s.length;
  const byteLen = n * 2;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const blocks = n >>> 3; // 8 code units = 16 bytes
  let i = 0;
  for (let b = 0; b < blocks; b++, i += 8) {
    let k1 = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) >>> 0;
    let k2 = (s.charCodeAt(i + 2) | (s.charCodeAt(i + 3) << 16)) >>> 0;
    let k3 = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 16)) >>> 0;
    let k4 = (s.charCodeAt(i + 6) | (s.charCodeAt(i + 7) << 16)) >>> 0;

    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
    h1 = rotl(h1, 19); h1 = (h1 + h2) | 0; h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2;
    h2 = rotl(h2, 17); h2 = (h2 + h3) | 0; h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3;
    h3 = rotl(h3, 15); h3 = (h3 + h4) | 0; h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4;
    h4 = rotl(h4, 13); h4 = (h4 + h1) | 0; h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  // Tail: the remaining 0-7 code units (0-14 bytes), always an even byte count.
  const rem = n - i;
  if (rem > 0) {
    let k2 = 0;
    let k3 = 0;
    let k4 = 0;
    if (rem > 6) k4 = word(s, i + 6, n);
    if (rem > 4) k3 = word(s, i + 4, n);
    if (rem > 2) k2 = word(s, i + 2, n);
    let k1 = word(s, i, n);
    if (rem > 6) { k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4; }
    if (rem > 4) { k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3; }
    if (rem > 2) { k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2; }
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
  }
  h1 ^= byteLen; h2 ^= byteLen; h3 ^= byteLen; h4 ^= byteLen;
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0;
  return [h1 >>> 0, h2 >>> 0];
}

/** The series id of a canonical key: an unsigned 64-bit integer as a decimal string. */
export function seriesIdOf(key: string): string {
  const [h1, h2] = murmur3x86_128(key);
  return ((BigInt(h1) << 32n) | BigInt(h2)).toString();
}

/**
 * The metric id of (tenant, metric): the same hash over `\u0001 tenant \0 metric` (the leading
 * \u0001 keeps it apart from the id of a dimensionless series). Samples are keyed by it, so a
 * query computed for one tenant can only ever read that tenant's rows.
 */
export function metricIdOf(tenant: string, metric: string): string {
  return seriesIdOf('\u0001' + tenant + '\u0000' + metric);
}
