import { Admission } from './cardinality.js';
import type { ResolveOptions } from './resolve.js';
import { SeriesHasher, idText } from './series-hasher.js';
import { SampleBlockWriter } from './sample-block.js';
import { metricIdWords } from './series-id.js';
import type { NewSeries, TimeSpan, ValidationLimits, WriteBatch } from './types.js';

/**
 * What the byte-level write lanes share (the JSON lane in fast-batch.ts, the remote-write lane in
 * fast-remote-write.ts): checks over byte ranges, and `LaneBatch`, which turns (name, dimension
 * ranges) into a series id and formats sample rows straight into a reusable buffer.
 *
 * A lane handles only the common, fully valid case — printable-ASCII names and values, every
 * point valid, no series at a cardinality limit — and throws `BAIL` for anything else; its caller
 * then takes the general path, which reports each error exactly. A lane and the general path must
 * produce identical batches (each lane's test checks it on randomized input).
 */

/** The general path's options, plus a reusable sample writer (its space is kept; the batch gets an exact-size block). */
export interface FastBatchOptions extends ResolveOptions {
  rows?: SampleBlockWriter;
  /**
   * Record each series' hash and byte ranges here instead of resolving it: a lane worker, which
   * owns neither the series cache nor the cardinality counts, leaves that to the main thread
   * (`resolveRecorded`).
   */
  record?: SeriesRecord;
}

/**
 * The series a lane worker met, in order, one entry per occurrence: hash words hi and lo, name
 * start and end, dimension count, then key start, key end, value start, value end per dimension
 * (as sent), all offsets into the request's bytes.
 */
export class SeriesRecord {
  words = new Uint32Array(1 << 12);
  length = 0;

  push(hi: number, lo: number, nameStart: number, nameEnd: number, offsets: readonly number[], dims: number): void {
    const need = this.length + 5 + 4 * dims;
    if (need > this.words.length) {
      const grown = new Uint32Array(Math.max(this.words.length * 2, need));
      grown.set(this.words.subarray(0, this.length));
      this.words = grown;
    }
    const w = this.words;
    let n = this.length;
    w[n++] = hi;
    w[n++] = lo;
    w[n++] = nameStart;
    w[n++] = nameEnd;
    w[n++] = dims;
    for (let k = 0; k < 4 * dims; k++) w[n++] = offsets[k]!;
    this.length = n;
  }
}

/**
 * A series the process does not know yet, met by a lane: admits it (throws BAIL when it is at a
 * cardinality limit: the general path reports that) and, the first time in the request, adds its
 * row to `newSeries`. Shared by the in-place lane, `resolveRecorded` and the native lane
 * (native-lane.ts), so all admit in the same order and build the same rows.
 */
export class NewSeriesRows {
  readonly rows: NewSeries[] = [];
  #pending: Set<string> | undefined;

  constructor(readonly opts: ResolveOptions) {}

  add(buf: Buffer, name: string, hi: number, lo: number, offsets: ArrayLike<number>, base: number, dims: number): void {
    const cardinality = this.opts.cardinality;
    const admission = cardinality === undefined ? Admission.Existing : cardinality.admit(name, hi, lo);
    if (admission >= Admission.SeriesLimit) throw BAIL; // refused or folded
    const id = idText(hi, lo);
    if (this.#pending?.has(id)) return;
    (this.#pending ??= new Set()).add(id);
    const dimensions: Record<string, string> = {};
    for (let d = 0; d < dims; d++) {
      const o = base + 4 * d;
      const key = buf.toString('latin1', offsets[o], offsets[o + 1]);
      const value = buf.toString('latin1', offsets[o + 2], offsets[o + 3]);
      // An assignment to __proto__ would set the prototype: define it as data instead.
      if (key === '__proto__') Object.defineProperty(dimensions, key, { value, enumerable: true, writable: true, configurable: true });
      else dimensions[key] = value;
    }
    this.rows.push({ seriesId: id, hi, lo, tenant: this.opts.tenant, metric: name, dimensions });
    if (admission === Admission.New) cardinality!.inspect(name, dimensions);
  }
}

/** What a lane worker sends back for a request it took: everything but the series resolution. */
export interface RecordedBatch {
  /** The request's decompressed bytes (the record's offsets point into them). */
  raw: Buffer;
  record: Uint32Array;
  samples: Buffer;
  points: number;
  spans: Map<string, TimeSpan>;
}

/**
 * Finishes a lane worker's batch on the thread that owns the series cache and the cardinality
 * counts: known series cost one probe; the others are admitted and get series rows, in the order
 * met, exactly as the in-place lane does. Null when a series is at a cardinality limit (the caller
 * takes the general path, which reports it).
 */
export function resolveRecorded(r: RecordedBatch, opts: ResolveOptions): WriteBatch | null {
  const { cache } = opts;
  const fresh = new NewSeriesRows(opts);
  const w = r.record;
  let name = '';
  let nameStart = -1;
  let nameEnd = -1;
  try {
    for (let n = 0; n < w.length; ) {
      const hi = w[n]!;
      const lo = w[n + 1]!;
      const dims = w[n + 4]!;
      if (cache.get(hi, lo) === undefined) {
        const ns = w[n + 2]!;
        const ne = w[n + 3]!;
        if (ns !== nameStart || ne !== nameEnd) {
          nameStart = ns;
          nameEnd = ne;
          name = r.raw.toString('latin1', ns, ne);
        }
        fresh.add(r.raw, name, hi, lo, w, n + 5, dims);
      }
      n += 5 + 4 * dims;
    }
  } catch (err) {
    if (err === BAIL) return null;
    throw err;
  }
  return { tenant: opts.tenant, points: r.points, samples: r.samples, newSeries: fresh.rows, spans: r.spans };
}

/** Thrown to abandon a lane. One preallocated instance: throwing it captures no new stack. */
export const BAIL = new Error('fast write lane: take the general path');

const MINUS = 0x2d;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** ^[a-zA-Z_][a-zA-Z0-9_]*$ over bytes. */
export function isName(buf: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    if (!alpha && (i === start || !isDigit(c))) return false;
  }
  return true;
}

/** Every byte printable ASCII (0x20-0x7e): one byte is one UTF-16 code unit, and no control character. */
export function isPrintable(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Compares two byte ranges like JS string comparison does for ASCII. */
export function compareBytes(buf: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = buf[a0 + i]! - buf[b0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

export function keyIs(buf: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[start + k] !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Checks dimensions given as byte ranges (`offsets` holds key start, key end, value start, value
 * end per dimension; values already known printable) against the validation limits, and fills
 * `order` with their canonical (key) order. A repeated key throws BAIL: the general path decides
 * what it means for the protocol.
 */
export function orderDimensions(buf: Uint8Array, offsets: readonly number[], dims: number, limits: ValidationLimits, order: number[]): void {
  if (dims > limits.maxDimensions) throw BAIL;
  order.length = 0;
  for (let d = 0; d < dims; d++) {
    const ks = offsets[4 * d]!;
    const ke = offsets[4 * d + 1]!;
    const vs = offsets[4 * d + 2]!;
    const ve = offsets[4 * d + 3]!;
    if (ke - ks > limits.maxKeyLength || !isName(buf, ks, ke)) throw BAIL;
    if (ke - ks === 10 && keyIs(buf, ks, ke, '_tenant_id')) throw BAIL;
    if (ve === vs || ve - vs > limits.maxValueLength) throw BAIL;
    order.push(d);
  }
  if (dims < 2) return;
  // Clients usually send keys in a fixed order, often sorted: check before sorting.
  let sorted = true;
  for (let d = 1; d < dims && sorted; d++) {
    const c = compareBytes(buf, offsets[4 * d - 4]!, offsets[4 * d - 3]!, offsets[4 * d]!, offsets[4 * d + 1]!);
    if (c === 0) throw BAIL;
    if (c > 0) sorted = false;
  }
  if (sorted) return;
  order.sort((a, b) => compareBytes(buf, offsets[4 * a]!, offsets[4 * a + 1]!, offsets[4 * b]!, offsets[4 * b + 1]!));
  for (let d = 1; d < dims; d++) {
    const a = order[d - 1]!;
    const b = order[d]!;
    if (compareBytes(buf, offsets[4 * a]!, offsets[4 * a + 1]!, offsets[4 * b]!, offsets[4 * b + 1]!) === 0) throw BAIL;
  }
}

/**
 * One request's batch under construction: series ids from byte ranges (cache, then cardinality
 * admission) and sample rows written into the (reusable) sample block writer.
 */
export class LaneBatch {
  /** The current series' metric name (set by `series`). */
  name = '';
  readonly #o: FastBatchOptions;
  readonly #hasher = new SeriesHasher();
  /** Key bytes: tenant \0 name (\0 key \0 value)*. */
  readonly #key: Uint8Array;
  readonly #keyPrefixLength: number;
  readonly #fresh: NewSeriesRows;
  readonly #spans = new Map<string, TimeSpan>();
  #span: TimeSpan | undefined;
  readonly #metricIds = new Map<string, [number, number]>();
  #metricHi = 0;
  #metricLo = 0;
  #seriesHi = 0;
  #seriesLo = 0;
  readonly #rows: SampleBlockWriter;
  points = 0;

  constructor(opts: FastBatchOptions) {
    this.#o = opts;
    const { tenant, limits } = opts;
    this.#keyPrefixLength = tenant.length + 1;
    this.#key = new Uint8Array(this.#keyPrefixLength + limits.maxNameLength + limits.maxDimensions * (limits.maxKeyLength + limits.maxValueLength + 2));
    for (let k = 0; k < tenant.length; k++) {
      const c = tenant.charCodeAt(k);
      if (c > 0x7e) throw BAIL; // a non-ASCII tenant is hashed by the general path
      this.#key[k] = c;
    }
    this.#key[tenant.length] = 0;
    this.#fresh = new NewSeriesRows(opts);
    this.#rows = opts.rows ?? new SampleBlockWriter();
    this.#rows.reset(); // rows left by a lane that bailed
  }

  /**
   * Makes (name, dimensions) the current series: name [nameStart, nameEnd) already validated,
   * dimensions checked and ordered by `orderDimensions`. Sets `name`.
   */
  series(buf: Buffer, nameStart: number, nameEnd: number, offsets: readonly number[], order: readonly number[], dims: number): void {
    const name = this.name;
    if (nameEnd - nameStart !== name.length || !sameAscii(buf, nameStart, name)) this.#setName(buf.toString('latin1', nameStart, nameEnd));
    // The canonical key's bytes laid out contiguously (ASCII: one byte is one UTF-16 code unit),
    // then hashed in whole blocks — identical to hashing the key string.
    const key = this.#key;
    let kl = this.#keyPrefixLength;
    for (let p = nameStart; p < nameEnd; p++) key[kl++] = buf[p]!;
    for (let o = 0; o < dims; o++) {
      const d = order[o]!;
      key[kl++] = 0;
      for (let p = offsets[4 * d]!, end = offsets[4 * d + 1]!; p < end; p++) key[kl++] = buf[p]!;
      key[kl++] = 0;
      for (let p = offsets[4 * d + 2]!, end = offsets[4 * d + 3]!; p < end; p++) key[kl++] = buf[p]!;
    }
    const hasher = this.#hasher;
    hasher.reset();
    hasher.bytes(key, 0, kl);
    hasher.finish();
    const { hi, lo } = hasher;
    this.#seriesHi = hi;
    this.#seriesLo = lo;
    const record = this.#o.record;
    // A lane worker records the series: the main thread resolves it.
    if (record !== undefined) record.push(hi, lo, nameStart, nameEnd, offsets, dims);
    else if (this.#o.cache.get(hi, lo) === undefined) this.#fresh.add(buf, this.name, hi, lo, offsets, 0, dims);
  }

  #setName(name: string): void {
    this.name = name;
    let words = this.#metricIds.get(name);
    if (words === undefined) this.#metricIds.set(name, (words = metricIdWords(this.#o.tenant, name)));
    this.#metricHi = words[0];
    this.#metricLo = words[1];
    this.#span = this.#spans.get(name);
  }

  /**
   * A row whose value is the number literal [valStart, valEnd) of JSON number syntax (no exponent):
   * read as `JSON.parse` reads it.
   */
  rowLiteral(buf: Uint8Array, valStart: number, valEnd: number, ts: number): void {
    this.row(ts, decimalLiteral(buf, valStart, valEnd));
  }

  /** A row of an integer timestamp and a finite value. */
  row(ts: number, value: number): void {
    this.#rows.add(this.#metricHi, this.#metricLo, this.#seriesHi, this.#seriesLo, ts, value);
    this.points++;
    const span = this.#span;
    if (span === undefined) this.#spans.set(this.name, (this.#span = { earliest: ts, latest: ts }));
    else if (ts > span.latest) span.latest = ts;
    else if (ts < span.earliest) span.earliest = ts;
  }

  finish(): WriteBatch {
    return { tenant: this.#o.tenant, points: this.points, samples: this.#rows.finish(), newSeries: this.#fresh.rows, spans: this.#spans };
  }
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The double nearest a JSON number literal without exponent (`-?digits(.digits)?`). Up to 15
 * significant digits and 22 decimals, digits / 10^decimals is exact over exact operands and so
 * correctly rounded (Clinger's fast path); anything longer goes through `Number` on its text.
 */
export function decimalLiteral(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  const negative = buf[p] === MINUS;
  if (negative) p++;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; p < end; p++) {
    const c = buf[p]!;
    if (c === 0x2e) {
      decimals = 0;
      continue;
    }
    if (mantissa !== 0 || c !== 0x30) digits++;
    mantissa = mantissa * 10 + (c - 0x30);
    if (decimals >= 0) decimals++;
  }
  if (digits > 15 || decimals > 22) {
    let text = '';
    for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]!);
    return Number(text);
  }
  const v = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
  return negative ? -v : v;
}

function sameAscii(buf: Uint8Array, start: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (buf[start + i] !== s.charCodeAt(i)) return false;
  return true;
}
