import { Admission } from './cardinality.js';
import type { ResolveOptions } from './resolve.js';
import { SeriesHasher, idText } from './series-hasher.js';
import { metricIdOf } from './series-id.js';
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

/** The general path's options, plus reusable output space (grown on demand; the batch gets an exact-size copy). */
export interface FastBatchOptions extends ResolveOptions {
  scratch?: { buf: Buffer };
  /**
   * Record each series' hash and byte ranges here instead of resolving it: a lane worker, which
   * owns neither the series cache nor the cardinality counts, leaves that to the main thread
   * (`resolveRecorded`). `cache` is then only a memo of id texts.
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
 * row to `newSeries`. Returns its id text. Shared by the in-place lane and `resolveRecorded`, so
 * both admit in the same order and build the same rows.
 */
class NewSeriesRows {
  readonly rows: NewSeries[] = [];
  #pending: Set<string> | undefined;

  constructor(readonly opts: ResolveOptions) {}

  add(buf: Buffer, name: string, hi: number, lo: number, offsets: ArrayLike<number>, base: number, dims: number): string {
    const cardinality = this.opts.cardinality;
    const admission = cardinality === undefined ? Admission.Existing : cardinality.admit(name, hi, lo);
    if (admission >= Admission.SeriesLimit) throw BAIL; // refused or folded
    const id = idText(hi, lo);
    if (this.#pending?.has(id)) return id;
    (this.#pending ??= new Set()).add(id);
    // fromEntries defines own properties, so even a key named __proto__ stays data.
    const entries: [string, string][] = [];
    for (let d = 0; d < dims; d++) {
      const o = base + 4 * d;
      entries.push([buf.toString('latin1', offsets[o], offsets[o + 1]), buf.toString('latin1', offsets[o + 2], offsets[o + 3])]);
    }
    const dimensions: Record<string, string> = Object.fromEntries(entries);
    this.rows.push({ seriesId: id, tenant: this.opts.tenant, metric: name, dimensions });
    if (admission === Admission.New) cardinality!.inspect(name, dimensions);
    return id;
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

const TAB = 0x09;
const NEWLINE = 0x0a;
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
 * admission) and TabSeparated sample rows `metric_id, series_id, timestamp, value` written into
 * the scratch buffer.
 */
export class LaneBatch {
  /** The current series' metric name and id text (set by `series`). */
  name = '';
  id = '';
  readonly #o: FastBatchOptions;
  readonly #hasher = new SeriesHasher();
  /** Key bytes: tenant \0 name (\0 key \0 value)*. */
  readonly #key: Uint8Array;
  readonly #keyPrefixLength: number;
  readonly #fresh: NewSeriesRows;
  readonly #spans = new Map<string, TimeSpan>();
  #span: TimeSpan | undefined;
  readonly #prefixes = new Map<string, string>();
  #prefix = '';
  readonly #scratch: { buf: Buffer };
  #out: Buffer;
  #pos = 0;
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
    this.#scratch = opts.scratch ?? { buf: Buffer.allocUnsafe(0) };
    this.#out = this.#scratch.buf;
  }

  /**
   * Makes (name, dimensions) the current series: name [nameStart, nameEnd) already validated,
   * dimensions checked and ordered by `orderDimensions`. Sets `name` and `id`.
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
    const { cache, record } = this.#o;
    const id = cache.get(hi, lo);
    if (record !== undefined) {
      // A lane worker: the main thread resolves the series; the cache only saves the id's text.
      record.push(hi, lo, nameStart, nameEnd, offsets, dims);
      if (id !== undefined) this.id = id;
      else cache.remember(hi, lo, (this.id = idText(hi, lo)));
      return;
    }
    if (id !== undefined) {
      this.id = id;
      return;
    }
    this.id = this.#fresh.add(buf, this.name, hi, lo, offsets, 0, dims);
  }

  #setName(name: string): void {
    this.name = name;
    let prefix = this.#prefixes.get(name);
    if (prefix === undefined) this.#prefixes.set(name, (prefix = metricIdOf(this.#o.tenant, name) + '\t'));
    this.#prefix = prefix;
    this.#span = this.#spans.get(name);
  }

  /** Starts a row of the current series: ensures `room` more bytes, writes `metric_id \t series_id \t`. */
  #head(room: number): number {
    const prefix = this.#prefix;
    const id = this.id;
    let pos = this.#pos;
    // prefix (≤ 21) + id (≤ 20) + two tabs and a newline, plus the caller's room.
    const need = 44 + room;
    if (pos + need > this.#out.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#out.length * 2, 1 << 16, pos + need));
      this.#out.copy(grown, 0, 0, pos);
      this.#out = this.#scratch.buf = grown;
    }
    const out = this.#out;
    // Digits and a tab: short ASCII, cheaper to copy by hand than through Buffer#write.
    for (let c = 0; c < prefix.length; c++) out[pos++] = prefix.charCodeAt(c);
    for (let c = 0; c < id.length; c++) out[pos++] = id.charCodeAt(c);
    out[pos++] = TAB;
    return pos;
  }

  /** A row whose timestamp and value are number literals copied as written (JSON number syntax is engine number syntax). */
  rowLiterals(buf: Uint8Array, tsStart: number, tsEnd: number, valStart: number, valEnd: number, ts: number): void {
    let pos = this.#head(tsEnd - tsStart + (valEnd - valStart));
    const out = this.#out;
    for (let p = tsStart; p < tsEnd; p++) out[pos++] = buf[p]!;
    out[pos++] = TAB;
    for (let p = valStart; p < valEnd; p++) out[pos++] = buf[p]!;
    out[pos++] = NEWLINE;
    this.#pos = pos;
    this.#counted(ts);
  }

  /**
   * A row of an integer timestamp and a finite value. The value's text is what `String(value)`
   * writes for integers and for decimals of up to 6 fractional digits (found arithmetically, no
   * string), else `String(value)` itself; either way the engine parses it back to the same double.
   */
  rowNumbers(ts: number, value: number): void {
    let text: string | null = null;
    let scaled = value;
    let decimals = 0;
    if (!Number.isSafeInteger(value)) {
      // The fewest decimals d ≤ 6 with round(v·10^d) / 10^d === v: that quotient is the double
      // nearest the decimal round(v·10^d)·10^-d, so the text of that decimal reads back as v.
      for (decimals = 1; decimals <= 6; decimals++) {
        const p = POW10[decimals]!;
        scaled = Math.round(value * p);
        if (scaled / p === value && Number.isSafeInteger(scaled)) break;
      }
      if (decimals > 6) text = String(value);
    }
    let pos = this.#head(17 + (text === null ? 19 : text.length));
    const out = this.#out;
    pos = writeInteger(out, pos, ts);
    out[pos++] = TAB;
    if (text !== null) for (let c = 0; c < text.length; c++) out[pos++] = text.charCodeAt(c);
    else if (decimals === 0) pos = writeInteger(out, pos, value);
    else pos = writeDecimal(out, pos, scaled, decimals);
    out[pos++] = NEWLINE;
    this.#pos = pos;
    this.#counted(ts);
  }

  #counted(ts: number): void {
    this.points++;
    const span = this.#span;
    if (span === undefined) this.#spans.set(this.name, (this.#span = { earliest: ts, latest: ts }));
    else if (ts > span.latest) span.latest = ts;
    else if (ts < span.earliest) span.earliest = ts;
  }

  finish(): WriteBatch {
    return { tenant: this.#o.tenant, points: this.points, samples: Buffer.from(this.#out.subarray(0, this.#pos)), newSeries: this.#fresh.rows, spans: this.#spans };
  }
}

function sameAscii(buf: Uint8Array, start: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (buf[start + i] !== s.charCodeAt(i)) return false;
  return true;
}

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/** Writes a safe integer's decimal digits (−0 as "0", as String() does); returns the new position. */
function writeInteger(out: Buffer, pos: number, n: number): number {
  if (n < 0) {
    out[pos++] = MINUS;
    n = -n;
  }
  if (n < 100_000_000) return writeSmall(out, pos, n);
  // Above 10^8: the high part, then the low 8 digits zero-padded (small-integer arithmetic only).
  const hi = Math.floor(n / 100_000_000);
  pos = hi < 100_000_000 ? writeSmall(out, pos, hi) : writeInteger(out, pos, hi);
  return writePadded(out, pos, n - hi * 100_000_000, 8);
}

/** n in [0, 10^8): its digits. */
function writeSmall(out: Buffer, pos: number, n: number): number {
  let digits = 1;
  for (let m = n; m >= 10; m = (m / 10) | 0) digits++;
  return writePadded(out, pos, n, digits);
}

/** n in [0, 10^8) as exactly `width` digits, zero-padded. */
function writePadded(out: Buffer, pos: number, n: number, width: number): number {
  for (let p = pos + width - 1; p >= pos; p--) {
    const q = (n / 10) | 0;
    out[p] = 0x30 + (n - q * 10);
    n = q;
  }
  return pos + width;
}

/** `scaled`·10^-decimals as a decimal: sign, integer part, point, exactly `decimals` digits. */
function writeDecimal(out: Buffer, pos: number, scaled: number, decimals: number): number {
  if (scaled < 0) {
    out[pos++] = MINUS;
    scaled = -scaled;
  }
  const p = POW10[decimals]!;
  const whole = Math.floor(scaled / p);
  pos = writeInteger(out, pos, whole);
  out[pos++] = 0x2e;
  // The fewest decimals were chosen, so the fraction's last digit is not 0 (else one fewer would
  // have read back too) and the fraction is not 0 (else the value is an integer).
  return writePadded(out, pos, scaled - whole * p, decimals);
}
