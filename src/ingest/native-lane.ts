import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BAIL, NewSeriesRows } from './byte-lane.js';
import type { FastRemoteWrite } from './fast-remote-write.js';
import type { ResolveOptions } from './resolve.js';
import type { TimeSpan } from './types.js';

/**
 * The remote-write lane in C++ (native/lane.cc, built by `npm run build`): one call per request
 * takes the snappy block as sent and returns the request's samples as a finished Native block,
 * with every series id already probed against the series cache's tables. It takes exactly the
 * requests the JavaScript lane takes (fast-remote-write.ts) and builds byte-identical batches
 * (native-lane.test.ts); anything else — a malformed block, a label that is not printable ASCII,
 * an invalid sample — comes back as "not mine", and the caller takes the JavaScript paths, which
 * report every error. Here only series the cache does not hold are finished: admitted against the
 * cardinality limits and given a series row, in the order met, as the JavaScript lane does.
 *
 * Measured on this machine: docs/benchmarks.md, "Native remote-write lane".
 */

interface NativeResult {
  samples: Buffer;
  points: number;
  stale: number;
  /** Metric names, and the names, keys and values of the series in `record`. */
  strings: Buffer;
  /**
   * Per series the current cache generation lacks, in order met: hi, lo, 1 if the previous
   * generation holds it (else 0), name start and end, dimension count, then key start, key end,
   * value start, value end per dimension as sent; offsets into `strings`.
   */
  record: Uint32Array;
  /** Per metric: name start and end in `strings`, earliest and latest timestamp. */
  metrics: Float64Array;
}

interface NativeAddon {
  remoteWrite(
    body: Buffer,
    maxDecoded: number,
    tenant: Buffer,
    params: Float64Array,
    currentKeys: Uint32Array,
    currentIndex: Int32Array,
    previousKeys: Uint32Array | null,
    previousIndex: Int32Array | null,
  ): NativeResult | 0 | -1;
}

const ADDON = join('native', 'build', 'Release', 'luminate_native.node');

/** The addon, looked for from this module up to the package root (src/, dist/src/ and .bench/build/src/ alike). */
function load(): { addon: NativeAddon | null; error: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    const path = join(dir, ADDON);
    if (!existsSync(path)) continue;
    try {
      return { addon: createRequire(import.meta.url)(path) as NativeAddon, error: '' };
    } catch (err) {
      return { addon: null, error: `${path}: ${(err as Error).message}` };
    }
  }
  return { addon: null, error: `${ADDON} is not built (npm run build builds it)` };
}

const loaded = load();

/** Whether the native lane is available in this process, and why not when it is not. */
export const nativeLane: { available: boolean; reason: string } = { available: loaded.addon !== null, reason: loaded.error };

/** What the native lane answers: a batch, or which JavaScript path must take the request. */
export type NativeRemoteWrite = FastRemoteWrite | 'general' | 'snappy';

const tenantBytes = new Map<string, Buffer | null>();

/** The tenant as the lane hashes it: its bytes when every character is 0x00-0x7e, else null. */
function tenantOf(tenant: string): Buffer | null {
  let b = tenantBytes.get(tenant);
  if (b === undefined) {
    let ascii = true;
    for (let i = 0; i < tenant.length && ascii; i++) ascii = tenant.charCodeAt(i) <= 0x7e;
    b = ascii ? Buffer.from(tenant, 'latin1') : null;
    if (tenantBytes.size >= 10_000) tenantBytes.clear();
    tenantBytes.set(tenant, b);
  }
  return b;
}

const params = new Float64Array(6);

/**
 * A remote-write request through the native lane. 'snappy': the body is not a block the lane
 * decodes (the caller's decoder gives the error, or decodes what the lane refused); 'general': a
 * request the JavaScript paths must take. Throws only what the cardinality session throws.
 */
export function nativeRemoteWrite(body: Buffer, maxDecodedBytes: number, opts: ResolveOptions): NativeRemoteWrite {
  const addon = loaded.addon;
  if (addon === null) return 'general';
  const tenant = tenantOf(opts.tenant);
  if (tenant === null) return 'general';
  const { limits, now, cache } = opts;
  params[0] = now - limits.maxPastMs;
  params[1] = now + limits.maxFutureMs;
  params[2] = limits.maxNameLength;
  params[3] = limits.maxKeyLength;
  params[4] = limits.maxValueLength;
  params[5] = limits.maxDimensions;
  const t = cache.tables();
  const r = addon.remoteWrite(body, maxDecodedBytes, tenant, params, t.currentKeys, t.currentIndex, t.previousKeys, t.previousIndex);
  if (r === -1) return 'snappy';
  if (r === 0) return 'general';
  const { strings, record: w, metrics: m } = r;
  const spans = new Map<string, TimeSpan>();
  for (let k = 0; k < m.length; k += 4) spans.set(strings.toString('latin1', m[k], m[k + 1]), { earliest: m[k + 2]!, latest: m[k + 3]! });
  const fresh = new NewSeriesRows(opts);
  let name = '';
  let nameStart = -1;
  try {
    for (let n = 0; n < w.length; ) {
      const hi = w[n]!;
      const lo = w[n + 1]!;
      const dims = w[n + 5]!;
      // Known to the previous generation: the probe promotes it (and finds it, unless this very
      // request's promotions retired that generation).
      if (w[n + 2] === 0 || cache.get(hi, lo) === undefined) {
        if (w[n + 3] !== nameStart) {
          nameStart = w[n + 3]!;
          name = strings.toString('latin1', nameStart, w[n + 4]);
        }
        fresh.add(strings, name, hi, lo, w, n + 6, dims);
      }
      n += 6 + 4 * dims;
    }
  } catch (err) {
    if (err === BAIL) return 'general'; // a series at a cardinality limit: the general path reports it
    throw err;
  }
  return { batch: { tenant: opts.tenant, points: r.points, samples: r.samples, newSeries: fresh.rows, spans }, stale: r.stale };
}
