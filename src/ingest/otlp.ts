import { globMatches } from '../glob.js';
import { ingestErrors } from './errors.js';
import { sanitizeName } from './influx.js';
import { ProtobufError, Reader } from './protobuf.js';
import type { SeriesSamples } from './resolve.js';

/**
 * OTLP/HTTP metrics (`ExportMetricsServiceRequest`, protobuf or JSON) → series.
 *
 * - gauge → one metric; sum → one metric (cumulative monotonic sums are counters, `rate` works on
 *   them; delta sums are stored as the deltas they are, so `sum` over time gives totals);
 * - histogram → `<name>_bucket{le}` (cumulative bucket counts, `le="+Inf"` = count), `<name>_sum`,
 *   `<name>_count`, as Prometheus exposes it;
 * - exponential histogram → the same `_bucket{le}` / `_sum` / `_count` series: each bucket the
 *   sender sent becomes a cumulative `le` bucket at its upper bound (base^(index+1) with
 *   base = 2^(2^-scale); negative buckets at −base^index, the zero bucket at its threshold), so
 *   `histogram_quantile`-style estimates work on both kinds alike; a scale outside [-10, 20] is
 *   counted as rejected;
 * - summary → `<name>{quantile}`, `<name>_sum`, `<name>_count`.
 *
 * Names and attribute keys become identifiers (dots and other characters → `_`:
 * `http.server.duration` → `http_server_duration`). Point attributes are dimensions; resource and
 * scope attributes only when allowed (config `otlp.resource_attributes`, `otlp.scope_attributes`).
 * Points flagged "no recorded value" are skipped; a point without a time takes the server's.
 */

type Attr = [key: string, value: string];

interface Point {
  attrs: Attr[];
  timeMs: number;
  flags: number;
  value: number;
  count: number;
  sum: number | undefined;
  bucketCounts: number[];
  bounds: number[];
  quantiles: [q: number, v: number][];
  /** Exponential histograms. */
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExpBuckets;
  negative: ExpBuckets;
}

interface ExpBuckets {
  offset: number;
  counts: number[];
}

/** The scales the OTLP specification allows (base 2^(2^-scale)). */
const MIN_SCALE = -10;
const MAX_SCALE = 20;

const enum Kind {
  None,
  Gauge,
  Sum,
  Histogram,
  ExpHistogram,
  Summary,
}

interface Metric {
  name: string;
  description: string;
  unit: string;
  kind: Kind;
  monotonic: boolean;
  /** 1 delta, 2 cumulative, 0 unspecified. */
  temporality: number;
  points: Point[];
}

interface Scope {
  attrs: Attr[];
  metrics: Metric[];
}

interface ResourceMetrics {
  attrs: Attr[];
  scopes: Scope[];
}

export interface OtlpOptions {
  /** Resource attribute patterns that become dimensions (`*` globs). */
  resourceAttributes: readonly string[];
  scopeAttributes: readonly string[];
  now: number;
}

/** What a metric declares about itself, for discovery (`POST /api/v1/metrics/register`'s fields). */
export interface OtlpMetricInfo {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  unit: string;
  description: string;
}

export interface OtlpDecoded {
  series: SeriesSamples[];
  /** Data points refused before the write path (exponential histograms of an unknown scale); with the first reason. */
  rejected: number;
  firstRejection: string | null;
  /** Every metric of the request with its declared type, unit and description. */
  metrics: OtlpMetricInfo[];
}

function invalid(message: string, offset?: number) {
  return ingestErrors.create('INVALID_PAYLOAD', `OTLP: ${message}${offset !== undefined ? ` (byte ${offset})` : ''}`, { protocol: 'otlp', ...(offset !== undefined ? { offset } : {}) });
}

// ---- protobuf ---------------------------------------------------------------------------------

/** fixed64 nanoseconds → milliseconds, exact (a double holds ns only to ±256 near 2^60). */
function nanosToMs(r: Reader): number {
  const at = r.pos;
  r.advance(8);
  const lo = r.buf.readUInt32LE(at);
  const hi = r.buf.readUInt32LE(at + 4);
  // hi·2^32 = hi·4294·10^6 + hi·967296, and hi·967296 + lo stays below 2^53.
  return hi * 4294 + Math.floor((hi * 967296 + lo) / 1e6);
}

function anyValueProto(r: Reader): string {
  let out = '';
  while (r.more) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | 2:
        out = r.string();
        break;
      case (2 << 3) | 0:
        out = r.varint() !== 0 ? 'true' : 'false';
        break;
      case (3 << 3) | 0:
        out = String(r.int64());
        break;
      case (4 << 3) | 1:
        out = String(r.double());
        break;
      case (7 << 3) | 2: {
        const [a, b] = r.bytes();
        out = r.buf.toString('base64', a, b);
        break;
      }
      case (5 << 3) | 2:
      case (6 << 3) | 2: {
        // array / kvlist: kept as their JSON text (rare as metric attributes).
        const m = r.message();
        out = JSON.stringify(tag === ((5 << 3) | 2) ? arrayProto(m) : Object.fromEntries(attrsOf(m, 1)));
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return out;
}

function arrayProto(r: Reader): string[] {
  const out: string[] = [];
  while (r.more) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) out.push(anyValueProto(r.message()));
    else r.skip(tag & 7);
  }
  return out;
}

function keyValueProto(r: Reader): Attr {
  let key = '';
  let value = '';
  while (r.more) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) key = r.string();
    else if (tag === ((2 << 3) | 2)) value = anyValueProto(r.message());
    else r.skip(tag & 7);
  }
  return [key, value];
}

/** A repeated fixed64 or double field, packed (wire type 2) or not (wire type 1). */
function repeated64(r: Reader, tag: number, out: number[], read: (r: Reader) => number): void {
  if ((tag & 7) === 1) {
    out.push(read(r));
    return;
  }
  if ((tag & 7) !== 2) {
    r.skip(tag & 7);
    return;
  }
  const m = r.message();
  if ((m.end - m.pos) % 8 !== 0) throw new ProtobufError('packed 64-bit field length is not a multiple of 8', m.pos);
  while (m.more) out.push(read(m));
}

const readFixed64 = (r: Reader) => r.fixed64();
const readDouble = (r: Reader) => r.double();

function emptyPoint(): Point {
  return { attrs: [], timeMs: 0, flags: 0, value: 0, count: 0, sum: undefined, bucketCounts: [], bounds: [], quantiles: [], scale: 0, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: [] }, negative: { offset: 0, counts: [] } };
}

const zigzag = (n: number) => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);

/** ExponentialHistogramDataPoint.Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; } */
function expBucketsProto(r: Reader): ExpBuckets {
  const b: ExpBuckets = { offset: 0, counts: [] };
  while (r.more) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 0)) b.offset = zigzag(r.varint());
    else if (tag === ((2 << 3) | 0)) b.counts.push(r.varint());
    else if (tag === ((2 << 3) | 2)) {
      const m = r.message();
      while (m.more) b.counts.push(m.varint());
    } else r.skip(tag & 7);
  }
  return b;
}

/** NumberDataPoint, HistogramDataPoint or SummaryDataPoint: the field numbers differ per kind. */
function pointProto(r: Reader, kind: Kind): Point {
  const p = emptyPoint();
  const attrField = kind === Kind.Histogram ? 9 : kind === Kind.ExpHistogram ? 1 : 7;
  const flagsField = kind === Kind.Histogram ? 10 : kind === Kind.ExpHistogram ? 10 : 8;
  while (r.more) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === attrField && wire === 2) p.attrs.push(keyValueProto(r.message()));
    else if (field === 3 && wire === 1) p.timeMs = nanosToMs(r);
    else if (field === flagsField && wire === 0) p.flags = r.varint();
    else if (kind === Kind.Gauge || kind === Kind.Sum) {
      if (field === 4 && wire === 1) p.value = r.double();
      else if (field === 6 && wire === 1) p.value = r.sfixed64();
      else r.skip(wire);
    } else if (field === 4 && wire === 1) p.count = r.fixed64();
    else if (field === 5 && wire === 1) p.sum = r.double();
    else if (kind === Kind.Histogram && field === 6) repeated64(r, tag, p.bucketCounts, readFixed64);
    else if (kind === Kind.Histogram && field === 7) repeated64(r, tag, p.bounds, readDouble);
    else if (kind === Kind.ExpHistogram && field === 6 && wire === 0) p.scale = zigzag(r.varint());
    else if (kind === Kind.ExpHistogram && field === 7 && wire === 1) p.zeroCount = r.fixed64();
    else if (kind === Kind.ExpHistogram && field === 8 && wire === 2) p.positive = expBucketsProto(r.message());
    else if (kind === Kind.ExpHistogram && field === 9 && wire === 2) p.negative = expBucketsProto(r.message());
    else if (kind === Kind.ExpHistogram && field === 14 && wire === 1) p.zeroThreshold = r.double();
    else if (kind === Kind.Summary && field === 6 && wire === 2) {
      const q = r.message();
      let quantile = 0;
      let value = 0;
      while (q.more) {
        const t = q.tag();
        if (t === ((1 << 3) | 1)) quantile = q.double();
        else if (t === ((2 << 3) | 1)) value = q.double();
        else q.skip(t & 7);
      }
      p.quantiles.push([quantile, value]);
    } else r.skip(wire);
  }
  return p;
}

function dataProto(r: Reader, m: Metric): void {
  while (r.more) {
    const tag = r.tag();
    if (tag === ((1 << 3) | 2)) m.points.push(pointProto(r.message(), m.kind));
    else if (tag === ((2 << 3) | 0)) m.temporality = r.varint();
    else if (tag === ((3 << 3) | 0)) m.monotonic = r.varint() !== 0;
    else r.skip(tag & 7);
  }
}

const KIND_OF_FIELD: Record<number, Kind> = { 5: Kind.Gauge, 7: Kind.Sum, 9: Kind.Histogram, 10: Kind.ExpHistogram, 11: Kind.Summary };

function metricProto(r: Reader): Metric {
  const m: Metric = { name: '', description: '', unit: '', kind: Kind.None, monotonic: false, temporality: 0, points: [] };
  while (r.more) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (tag === ((1 << 3) | 2)) m.name = r.string();
    else if (tag === ((2 << 3) | 2)) m.description = r.string();
    else if (tag === ((3 << 3) | 2)) m.unit = r.string();
    else if ((tag & 7) === 2 && KIND_OF_FIELD[field] !== undefined) {
      m.kind = KIND_OF_FIELD[field]!;
      dataProto(r.message(), m);
    } else r.skip(tag & 7);
  }
  return m;
}

function attrsOf(r: Reader, field: number): Attr[] {
  const out: Attr[] = [];
  while (r.more) {
    const tag = r.tag();
    if (tag === ((field << 3) | 2)) out.push(keyValueProto(r.message()));
    else r.skip(tag & 7);
  }
  return out;
}

function requestProto(buf: Buffer): ResourceMetrics[] {
  const out: ResourceMetrics[] = [];
  const r = new Reader(buf, 0, buf.length);
  while (r.more) {
    const tag = r.tag();
    if (tag !== ((1 << 3) | 2)) {
      r.skip(tag & 7);
      continue;
    }
    const rm = r.message();
    const res: ResourceMetrics = { attrs: [], scopes: [] };
    while (rm.more) {
      const t = rm.tag();
      if (t === ((1 << 3) | 2)) res.attrs = attrsOf(rm.message(), 1);
      else if (t === ((2 << 3) | 2)) {
        const sm = rm.message();
        const scope: Scope = { attrs: [], metrics: [] };
        while (sm.more) {
          const st = sm.tag();
          if (st === ((1 << 3) | 2)) scope.attrs = attrsOf(sm.message(), 3);
          else if (st === ((2 << 3) | 2)) scope.metrics.push(metricProto(sm.message()));
          else sm.skip(st & 7);
        }
        res.scopes.push(scope);
      } else rm.skip(t & 7);
    }
    out.push(res);
  }
  return out;
}

/** Decodes an `ExportMetricsServiceRequest` protobuf; malformed input is INVALID_PAYLOAD. */
export function decodeOtlpProtobuf(buf: Buffer, opts: OtlpOptions): OtlpDecoded {
  let request: ResourceMetrics[];
  try {
    request = requestProto(buf);
  } catch (err) {
    if (err instanceof ProtobufError) throw invalid(`not a valid ExportMetricsServiceRequest protobuf: ${err.message}`, err.offset);
    throw err;
  }
  return toSeries(request, opts);
}

// ---- JSON -------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function arrayAt(o: Json, key: string, where: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where}.${key} must be an array`);
  return v;
}

function objectAt(o: Json, key: string, where: string): Json | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(`${where}.${key} must be an object`);
  return v;
}

/** A JSON number, or a uint64/int64/double as OTLP/JSON writes it (decimal string, "NaN", "Infinity"). */
function num(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) return Number(v);
  }
  throw invalid(`${where} must be a number`);
}

function nanosJsonToMs(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string' && /^\d+$/.test(v)) return v.length <= 6 ? 0 : Number(v.slice(0, -6));
  return Math.floor(num(v, where) / 1e6);
}

function anyValueJson(v: unknown, where: string): string {
  if (!isObject(v)) throw invalid(`${where} must be an AnyValue object`);
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue ? 'true' : 'false';
  if (v.intValue !== undefined) return String(num(v.intValue, `${where}.intValue`));
  if (v.doubleValue !== undefined) return String(num(v.doubleValue, `${where}.doubleValue`));
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  if (isObject(v.arrayValue)) return JSON.stringify(arrayAt(v.arrayValue, 'values', where).map((x, i) => anyValueJson(x, `${where}.values[${i}]`)));
  if (isObject(v.kvlistValue)) return JSON.stringify(Object.fromEntries(attrsJson(v.kvlistValue, 'values', where)));
  return '';
}

function attrsJson(o: Json, key: string, where: string): Attr[] {
  return arrayAt(o, key, where).map((kv, i) => {
    const w = `${where}.${key}[${i}]`;
    if (!isObject(kv) || typeof kv.key !== 'string') throw invalid(`${w} must be {"key": string, "value": AnyValue}`);
    return [kv.key, kv.value === undefined ? '' : anyValueJson(kv.value, `${w}.value`)] as Attr;
  });
}

function pointJson(p: unknown, kind: Kind, where: string): Point {
  if (!isObject(p)) throw invalid(`${where} must be an object`);
  const out = emptyPoint();
  out.attrs = attrsJson(p, 'attributes', where);
  out.timeMs = nanosJsonToMs(p.timeUnixNano, `${where}.timeUnixNano`);
  if (p.flags !== undefined) out.flags = num(p.flags, `${where}.flags`);
  if (kind === Kind.Gauge || kind === Kind.Sum) {
    if (p.asDouble !== undefined) out.value = num(p.asDouble, `${where}.asDouble`);
    else if (p.asInt !== undefined) out.value = num(p.asInt, `${where}.asInt`);
    return out;
  }
  if (p.count !== undefined) out.count = num(p.count, `${where}.count`);
  if (p.sum !== undefined) out.sum = num(p.sum, `${where}.sum`);
  if (kind === Kind.Histogram) {
    out.bucketCounts = arrayAt(p, 'bucketCounts', where).map((c, i) => num(c, `${where}.bucketCounts[${i}]`));
    out.bounds = arrayAt(p, 'explicitBounds', where).map((c, i) => num(c, `${where}.explicitBounds[${i}]`));
  } else if (kind === Kind.ExpHistogram) {
    if (p.scale !== undefined) out.scale = num(p.scale, `${where}.scale`);
    if (p.zeroCount !== undefined) out.zeroCount = num(p.zeroCount, `${where}.zeroCount`);
    if (p.zeroThreshold !== undefined) out.zeroThreshold = num(p.zeroThreshold, `${where}.zeroThreshold`);
    out.positive = expBucketsJson(p, 'positive', where);
    out.negative = expBucketsJson(p, 'negative', where);
  } else if (kind === Kind.Summary) {
    out.quantiles = arrayAt(p, 'quantileValues', where).map((q, i) => {
      if (!isObject(q)) throw invalid(`${where}.quantileValues[${i}] must be an object`);
      return [num(q.quantile ?? 0, `${where}.quantileValues[${i}].quantile`), num(q.value ?? 0, `${where}.quantileValues[${i}].value`)];
    });
  }
  return out;
}

function expBucketsJson(p: Json, key: string, where: string): ExpBuckets {
  const b = objectAt(p, key, where);
  if (b === undefined) return { offset: 0, counts: [] };
  return {
    offset: b.offset === undefined ? 0 : num(b.offset, `${where}.${key}.offset`),
    counts: arrayAt(b, 'bucketCounts', `${where}.${key}`).map((c, i) => num(c, `${where}.${key}.bucketCounts[${i}]`)),
  };
}

const KIND_OF_KEY: [string, Kind][] = [
  ['gauge', Kind.Gauge],
  ['sum', Kind.Sum],
  ['histogram', Kind.Histogram],
  ['exponentialHistogram', Kind.ExpHistogram],
  ['summary', Kind.Summary],
];

const TEMPORALITY: Record<string, number> = { AGGREGATION_TEMPORALITY_UNSPECIFIED: 0, AGGREGATION_TEMPORALITY_DELTA: 1, AGGREGATION_TEMPORALITY_CUMULATIVE: 2 };

function metricJson(m: unknown, where: string): Metric {
  if (!isObject(m)) throw invalid(`${where} must be an object`);
  const out: Metric = { name: typeof m.name === 'string' ? m.name : '', description: typeof m.description === 'string' ? m.description : '', unit: typeof m.unit === 'string' ? m.unit : '', kind: Kind.None, monotonic: false, temporality: 0, points: [] };
  for (const [key, kind] of KIND_OF_KEY) {
    const data = objectAt(m, key, where);
    if (data === undefined) continue;
    out.kind = kind;
    const t = data.aggregationTemporality;
    out.temporality = typeof t === 'string' && t in TEMPORALITY ? TEMPORALITY[t]! : t === undefined ? 0 : num(t, `${where}.${key}.aggregationTemporality`);
    out.monotonic = data.isMonotonic === true;
    out.points = arrayAt(data, 'dataPoints', `${where}.${key}`).map((p, i) => pointJson(p, kind, `${where}.${key}.dataPoints[${i}]`));
    break;
  }
  return out;
}

/** Decodes an `ExportMetricsServiceRequest` in OTLP/JSON (lowerCamelCase keys). */
export function decodeOtlpJson(doc: unknown, opts: OtlpOptions): OtlpDecoded {
  if (!isObject(doc)) throw invalid('the body must be a JSON object {"resourceMetrics": [...]}');
  const request = arrayAt(doc, 'resourceMetrics', 'request').map((rm, i): ResourceMetrics => {
    const where = `resourceMetrics[${i}]`;
    if (!isObject(rm)) throw invalid(`${where} must be an object`);
    const resource = objectAt(rm, 'resource', where);
    return {
      attrs: resource === undefined ? [] : attrsJson(resource, 'attributes', `${where}.resource`),
      scopes: arrayAt(rm, 'scopeMetrics', where).map((sm, j): Scope => {
        const w = `${where}.scopeMetrics[${j}]`;
        if (!isObject(sm)) throw invalid(`${w} must be an object`);
        const scope = objectAt(sm, 'scope', w);
        return { attrs: scope === undefined ? [] : attrsJson(scope, 'attributes', `${w}.scope`), metrics: arrayAt(sm, 'metrics', w).map((m, k) => metricJson(m, `${w}.metrics[${k}]`)) };
      }),
    };
  });
  return toSeries(request, opts);
}

// ---- mapping ----------------------------------------------------------------------------------

/** `+Inf`, and numbers as Prometheus prints bucket bounds and quantiles. */
function formatBound(v: number): string {
  return v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

/**
 * An exponential histogram's buckets as ascending (upper bound, cumulative count) pairs: negative
 * buckets from the most negative (index i holds values in [−base^(i+1), −base^i)), the zero bucket
 * (|v| ≤ zero_threshold) when it holds any, then positive buckets (index i: (base^i, base^(i+1)]).
 */
function expCumulative(p: Point): [le: number, cumulative: number][] {
  // base^i = 2^(i·2^-scale); for scale ≤ 0 the exponent is an integer and the bound exact.
  const bound = (i: number) => 2 ** (i / 2 ** p.scale);
  const out: [number, number][] = [];
  let cumulative = 0;
  const neg = p.negative;
  for (let k = neg.counts.length - 1; k >= 0; k--) {
    cumulative += neg.counts[k]!;
    out.push([-bound(neg.offset + k), cumulative]);
  }
  if (p.zeroCount > 0) {
    cumulative += p.zeroCount;
    out.push([p.zeroThreshold, cumulative]);
  }
  const pos = p.positive;
  for (let k = 0; k < pos.counts.length; k++) {
    cumulative += pos.counts[k]!;
    out.push([bound(pos.offset + k + 1), cumulative]);
  }
  return out;
}

function allowed(attrs: Attr[], patterns: readonly string[], into: Map<string, string>): void {
  if (patterns.length === 0) return;
  for (const [k, v] of attrs) if (v !== '' && patterns.some((p) => globMatches(p, k))) into.set(sanitizeName(k), v);
}

function toSeries(request: ResourceMetrics[], opts: OtlpOptions): OtlpDecoded {
  const series: SeriesSamples[] = [];
  const metrics: OtlpMetricInfo[] = [];
  let rejected = 0;
  let firstRejection: string | null = null;
  for (const rm of request) {
    for (const scope of rm.scopes) {
      const base = new Map<string, string>();
      allowed(rm.attrs, opts.resourceAttributes, base);
      allowed(scope.attrs, opts.scopeAttributes, base);
      for (const m of scope.metrics) {
        const name = sanitizeName(m.name);
        if (m.kind === Kind.None) continue;
        // Declared per stored name: a histogram's _bucket series are the histogram, its _sum and
        // _count counters (when cumulative), as a Prometheus scrape would describe them.
        const counter = m.temporality === 2 ? 'counter' : 'gauge';
        const declare = (suffix: string, type: OtlpMetricInfo['type'], unit: string) => metrics.push({ name: name + suffix, type, unit, description: m.description });
        if (m.kind === Kind.Histogram || m.kind === Kind.ExpHistogram) {
          declare('_bucket', 'histogram', '');
          declare('_sum', counter, m.unit);
          declare('_count', counter, '');
        } else if (m.kind === Kind.Summary) {
          declare('', 'gauge', m.unit);
          declare('_sum', 'counter', m.unit);
          declare('_count', 'counter', '');
        } else declare('', m.kind === Kind.Sum && m.monotonic && m.temporality === 2 ? 'counter' : 'gauge', m.unit);
        for (const p of m.points) {
          if ((p.flags & 1) !== 0) continue; // FLAG_NO_RECORDED_VALUE
          if (m.kind === Kind.ExpHistogram && !(Number.isInteger(p.scale) && p.scale >= MIN_SCALE && p.scale <= MAX_SCALE)) {
            rejected++;
            firstRejection ??= `${m.name}: exponential histogram scale ${p.scale} is outside [${MIN_SCALE}, ${MAX_SCALE}]`;
            continue;
          }
          const dims = new Map(base);
          for (const [k, v] of p.attrs) if (v !== '') dims.set(sanitizeName(k), v);
          const ts = p.timeMs === 0 ? opts.now : p.timeMs;
          const push = (metric: string, value: number, extra?: [string, string]) => {
            const d = Object.fromEntries(dims);
            if (extra !== undefined) d[extra[0]] = extra[1];
            series.push({ name: metric, dimensions: d, timestamps: [ts], values: [value] });
          };
          if (m.kind === Kind.Gauge || m.kind === Kind.Sum) push(name, p.value);
          else if (m.kind === Kind.Histogram) {
            let cumulative = 0;
            // N bounds define N + 1 buckets; the last is +Inf (its count is the total).
            for (let i = 0; i < p.bounds.length && i < p.bucketCounts.length; i++) {
              cumulative += p.bucketCounts[i]!;
              push(`${name}_bucket`, cumulative, ['le', formatBound(p.bounds[i]!)]);
            }
            push(`${name}_bucket`, p.count, ['le', '+Inf']);
            if (p.sum !== undefined) push(`${name}_sum`, p.sum);
            push(`${name}_count`, p.count);
          } else if (m.kind === Kind.ExpHistogram) {
            for (const [le, cumulative] of expCumulative(p)) push(`${name}_bucket`, cumulative, ['le', formatBound(le)]);
            push(`${name}_bucket`, p.count, ['le', '+Inf']);
            if (p.sum !== undefined) push(`${name}_sum`, p.sum);
            push(`${name}_count`, p.count);
          } else {
            for (const [q, v] of p.quantiles) push(name, v, ['quantile', formatBound(q)]);
            // A summary's sum is not optional: absent on the wire means 0.
            push(`${name}_sum`, p.sum ?? 0);
            push(`${name}_count`, p.count);
          }
        }
      }
    }
  }
  return { series, rejected, firstRejection, metrics };
}
