import { Admission } from './cardinality.js';
import type { ResolveOptions } from './resolve.js';
import { SeriesHasher, idText } from './series-hasher.js';
import { metricIdOf } from './series-id.js';
import type { NewSeries, TimeSpan, WriteBatch } from './types.js';

/**
 * The write path's fast lane: a JSON write body → a WriteBatch, straight from the request bytes.
 *
 * It handles the common shape — `{"metrics":[{"name","timestamp","value","dimensions"}…]}` with
 * printable-ASCII strings without escapes, every point valid — without building the body string
 * or any per-point object: it validates while scanning, hashes the series from the bytes, and
 * copies the timestamp and value literals into the TSV rows. Anything else (escapes, non-ASCII,
 * unknown or repeated keys, nulls, an invalid point, a syntax error) returns `null`, and the caller
 * takes the general path (`JSON.parse` + `resolveWriteBody`), which gives the exact per-point
 * errors. The two paths must produce identical batches: `fast-batch.test.ts` checks that.
 *
 * Why hand-written: on this machine the general path costs ~7 µs of main-thread time per point in
 * the server (body string, JSON.parse objects, GC) and the main thread is what limits ingest
 * (docs/benchmarks.md).
 */

const Q = 0x22; // "
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;

/** The general path's options; a series the cardinality limits refuse takes the general path, which reports it. */
export interface FastBatchOptions extends ResolveOptions {
  /** Reusable output space (grown on demand); the batch gets an exact-size copy. */
  scratch?: { buf: Buffer };
}

const TAB = 0x09;
const NEWLINE = 0x0a;

/**
 * Thrown internally to abandon the fast lane. One preallocated instance: throwing it captures no
 * new stack, so bailing out stays cheap.
 */
const BAIL = new Error('fast write lane: take the general path');

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** ^[a-zA-Z_][a-zA-Z0-9_]*$ over bytes. */
function isName(buf: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    if (!alpha && (i === start || !isDigit(c))) return false;
  }
  return true;
}

/** Compares two byte ranges like JS string comparison does for ASCII. */
function compareBytes(buf: Buffer, a0: number, a1: number, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = buf[a0 + i]! - buf[b0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

export function fastResolve(buf: Buffer, opts: FastBatchOptions): WriteBatch | null {
  try {
    return scan(buf, opts);
  } catch (err) {
    if (err === BAIL) return null;
    throw err;
  }
}

/** Index of the first non-whitespace byte at or after i. */
function skipWs(buf: Buffer, i: number, n: number): number {
  while (i < n && isWs(buf[i]!)) i++;
  return i;
}

/**
 * buf[i] must open a string; returns the index of its closing quote (content is [i + 1, end)).
 * Printable ASCII without escapes only: escapes, control characters (incl. DEL) and non-ASCII
 * take the general path.
 */
function stringEnd(buf: Buffer, i: number, n: number): number {
  if (buf[i] !== Q) throw BAIL;
  for (i++; i < n; i++) {
    const c = buf[i]!;
    if (c === Q) return i;
    if (c === BACKSLASH || c < 0x20 || c > 0x7e) throw BAIL;
  }
  throw BAIL;
}

/**
 * Scans a JSON number literal at i; returns `end * 2 + (integer ? 1 : 0)`. Exponents take the
 * general path: it decides finiteness and integrality exactly as JSON.parse does.
 */
function numberEnd(buf: Buffer, i: number, n: number): number {
  if (buf[i] === MINUS) i++;
  if (i >= n || !isDigit(buf[i]!)) throw BAIL;
  if (buf[i] === 0x30 && i + 1 < n && isDigit(buf[i + 1]!)) throw BAIL; // leading zero
  while (i < n && isDigit(buf[i]!)) i++;
  let integer = 1;
  if (buf[i] === 0x2e) {
    integer = 0;
    i++;
    if (i >= n || !isDigit(buf[i]!)) throw BAIL;
    while (i < n && isDigit(buf[i]!)) i++;
  }
  const c = buf[i];
  if (c === 0x65 || c === 0x45) throw BAIL;
  return i * 2 + integer;
}

function keyIs(buf: Buffer, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[start + k] !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * After a list item: skips whitespace, then a comma (returns the index after it: more items) or
 * `close` (returns minus the index after it: the list ended).
 */
function nextItem(buf: Buffer, i: number, n: number, close: number): number {
  i = skipWs(buf, i, n);
  if (buf[i] === COMMA) return i + 1;
  if (buf[i] === close) return -(i + 1);
  throw BAIL;
}

/** Skips whitespace and one expected byte; returns the index after it. */
function expectByte(buf: Buffer, i: number, n: number, c: number): number {
  i = skipWs(buf, i, n);
  if (buf[i] !== c) throw BAIL;
  return i + 1;
}

function scan(buf: Buffer, opts: FastBatchOptions): WriteBatch {
  const { tenant, limits, now, cache, cardinality } = opts;
  const n = buf.length;
  let i = expectByte(buf, 0, n, LBRACE);
  i = skipWs(buf, i, n);
  let e = stringEnd(buf, i, n);
  if (!keyIs(buf, i + 1, e, 'metrics')) throw BAIL;
  i = expectByte(buf, e + 1, n, COLON);
  i = expectByte(buf, i, n, LBRACKET);

  const hasher = new SeriesHasher();
  // Key bytes: tenant \0 name (\0 key \0 value)*. Bounded by the limits validated below.
  const keyPrefixLength = tenant.length + 1;
  const key = new Uint8Array(keyPrefixLength + limits.maxNameLength + limits.maxDimensions * (limits.maxKeyLength + limits.maxValueLength + 2));
  for (let k = 0; k < tenant.length; k++) {
    const c = tenant.charCodeAt(k);
    if (c > 0x7e) throw BAIL; // a non-ASCII tenant is hashed by the general path
    key[k] = c;
  }
  key[tenant.length] = 0;
  const dimOffsets: number[] = [];
  const order: number[] = [];
  const newSeries: NewSeries[] = [];
  let pending: Set<string> | undefined;
  const spans = new Map<string, TimeSpan>();
  const prefixes = new Map<string, string>();
  const scratch = opts.scratch ?? { buf: Buffer.allocUnsafe(0) };
  let out = scratch.buf;
  let pos = 0;
  let points = 0;
  // The metric name as a string, reused while consecutive points name the same metric.
  let lastName = '';
  let lastNameStart = -1;
  let lastNameEnd = -1;

  i = skipWs(buf, i, n);
  if (buf[i] === RBRACKET) {
    i++;
  } else {
    for (;;) {
      if (points >= opts.maxBatchSize) throw BAIL; // BATCH_TOO_LARGE comes from the general path
      i = expectByte(buf, i, n, LBRACE);
      let nameStart = -1;
      let nameEnd = -1;
      let tsStart = -1;
      let tsEnd = -1;
      let valStart = -1;
      let valEnd = -1;
      let dims = 0; // number of dimensions; offsets in dimOffsets (k0, k1, v0, v1 per dimension)
      let sawDims = false;
      dimOffsets.length = 0;
      i = skipWs(buf, i, n);
      if (buf[i] === RBRACE) throw BAIL;
      for (;;) {
        i = skipWs(buf, i, n);
        e = stringEnd(buf, i, n);
        const ks = i + 1;
        const ke = e;
        i = expectByte(buf, e + 1, n, COLON);
        i = skipWs(buf, i, n);
        if (keyIs(buf, ks, ke, 'name')) {
          if (nameStart >= 0) throw BAIL;
          e = stringEnd(buf, i, n);
          nameStart = i + 1;
          nameEnd = e;
          i = e + 1;
        } else if (keyIs(buf, ks, ke, 'timestamp')) {
          if (tsStart >= 0) throw BAIL;
          e = numberEnd(buf, i, n);
          if ((e & 1) === 0) throw BAIL; // not an integer literal
          tsStart = i;
          tsEnd = e >> 1;
          i = tsEnd;
        } else if (keyIs(buf, ks, ke, 'value')) {
          if (valStart >= 0) throw BAIL;
          e = numberEnd(buf, i, n);
          valStart = i;
          valEnd = e >> 1;
          i = valEnd;
        } else if (keyIs(buf, ks, ke, 'dimensions')) {
          if (sawDims) throw BAIL;
          sawDims = true;
          i = expectByte(buf, i, n, LBRACE);
          i = skipWs(buf, i, n);
          if (buf[i] === RBRACE) {
            i++;
          } else {
            for (;;) {
              i = skipWs(buf, i, n);
              e = stringEnd(buf, i, n);
              const dk = i + 1;
              const dke = e;
              i = expectByte(buf, e + 1, n, COLON);
              i = skipWs(buf, i, n);
              e = stringEnd(buf, i, n);
              dimOffsets.push(dk, dke, i + 1, e);
              dims++;
              i = nextItem(buf, e + 1, n, RBRACE);
              if (i < 0) break;
            }
            i = -i;
          }
        } else {
          throw BAIL;
        }
        i = nextItem(buf, i, n, RBRACE);
        if (i < 0) break;
      }
      i = -i;

      // Validation (any failure: the general path reports it precisely).
      if (nameStart < 0 || tsStart < 0 || valStart < 0) throw BAIL;
      if (nameEnd - nameStart > limits.maxNameLength || !isName(buf, nameStart, nameEnd)) throw BAIL;
      if (tsEnd - tsStart > 16) throw BAIL;
      let ts = 0;
      for (let p = buf[tsStart] === MINUS ? tsStart + 1 : tsStart; p < tsEnd; p++) ts = ts * 10 + (buf[p]! - 0x30);
      if (buf[tsStart] === MINUS) ts = -ts;
      if (ts < now - limits.maxPastMs || ts > now + limits.maxFutureMs) throw BAIL;
      // Without an exponent a literal of ≤ 300 digits is finite.
      if (valEnd - valStart > 300) throw BAIL;
      // Negative zero: the general path writes String(-0) = "0"; leave it that exact behaviour.
      if (buf[valStart] === MINUS) {
        let zero = true;
        for (let p = valStart + 1; p < valEnd && zero; p++) if (buf[p] !== 0x30 && buf[p] !== 0x2e) zero = false;
        if (zero) throw BAIL;
      }
      if (dims > limits.maxDimensions) throw BAIL;
      order.length = 0;
      for (let d = 0; d < dims; d++) {
        const ks = dimOffsets[4 * d]!;
        const ke = dimOffsets[4 * d + 1]!;
        const vs = dimOffsets[4 * d + 2]!;
        const ve = dimOffsets[4 * d + 3]!;
        if (ke - ks > limits.maxKeyLength || !isName(buf, ks, ke)) throw BAIL;
        if (ke - ks === 10 && keyIs(buf, ks, ke, '_tenant_id')) throw BAIL;
        if (ve === vs || ve - vs > limits.maxValueLength) throw BAIL;
        order.push(d);
      }
      // Canonical order is by key. Clients usually send keys in a fixed order, often sorted: check
      // before sorting. A repeated key is JSON.parse's last-wins: general path.
      if (dims > 1) {
        let sorted = true;
        for (let d = 1; d < dims && sorted; d++) {
          const c = compareBytes(buf, dimOffsets[4 * d - 4]!, dimOffsets[4 * d - 3]!, dimOffsets[4 * d]!, dimOffsets[4 * d + 1]!);
          if (c === 0) throw BAIL;
          if (c > 0) sorted = false;
        }
        if (!sorted) {
          order.sort((a, b) => compareBytes(buf, dimOffsets[4 * a]!, dimOffsets[4 * a + 1]!, dimOffsets[4 * b]!, dimOffsets[4 * b + 1]!));
          for (let d = 1; d < dims; d++) {
            const a = order[d - 1]!;
            const b = order[d]!;
            if (compareBytes(buf, dimOffsets[4 * a]!, dimOffsets[4 * a + 1]!, dimOffsets[4 * b]!, dimOffsets[4 * b + 1]!) === 0) throw BAIL;
          }
        }
      }

      // Series id: the canonical key's bytes laid out contiguously (ASCII: one byte is one UTF-16
      // code unit), then hashed in whole blocks — identical to hashing the key string.
      if (nameEnd - nameStart !== lastNameEnd - lastNameStart || compareBytes(buf, nameStart, nameEnd, lastNameStart, lastNameEnd) !== 0) {
        lastName = buf.toString('latin1', nameStart, nameEnd);
      }
      lastNameStart = nameStart;
      lastNameEnd = nameEnd;
      const name = lastName;
      let kl = keyPrefixLength;
      for (let p = nameStart; p < nameEnd; p++) key[kl++] = buf[p]!;
      for (let o = 0; o < dims; o++) {
        const d = order[o]!;
        key[kl++] = 0;
        for (let p = dimOffsets[4 * d]!, end = dimOffsets[4 * d + 1]!; p < end; p++) key[kl++] = buf[p]!;
        key[kl++] = 0;
        for (let p = dimOffsets[4 * d + 2]!, end = dimOffsets[4 * d + 3]!; p < end; p++) key[kl++] = buf[p]!;
      }
      hasher.reset();
      hasher.bytes(key, 0, kl);
      hasher.finish();
      let id = cache.get(hasher.hi, hasher.lo);
      if (id === undefined) {
        const admission = cardinality === undefined ? Admission.Existing : cardinality.admit(name, hasher.hi, hasher.lo);
        if (admission >= Admission.SeriesLimit) throw BAIL;
        id = idText(hasher.hi, hasher.lo);
        if (!pending?.has(id)) {
          (pending ??= new Set()).add(id);
          // fromEntries defines own properties, so even a key named __proto__ stays data.
          const entries: [string, string][] = [];
          for (let d = 0; d < dims; d++) {
            entries.push([buf.toString('latin1', dimOffsets[4 * d], dimOffsets[4 * d + 1]), buf.toString('latin1', dimOffsets[4 * d + 2], dimOffsets[4 * d + 3])]);
          }
          const dimensions: Record<string, string> = Object.fromEntries(entries);
          newSeries.push({ seriesId: id, tenant, metric: name, dimensions });
          if (admission === Admission.New) cardinality!.inspect(name, dimensions);
        }
      }
      let prefix = prefixes.get(name);
      if (prefix === undefined) prefixes.set(name, (prefix = metricIdOf(tenant, name) + '\t'));
      // Row bytes: prefix (≤ 21), id (≤ 20), tab, timestamp, tab, value literal, newline.
      const need = 44 + prefix.length + (tsEnd - tsStart) + (valEnd - valStart);
      if (pos + need > out.length) {
        const grown = Buffer.allocUnsafe(Math.max(out.length * 2, 1 << 16, pos + need));
        out.copy(grown, 0, 0, pos);
        out = scratch.buf = grown;
      }
      // Digits and a tab: short ASCII, cheaper to copy by hand than through Buffer#write.
      for (let c = 0; c < prefix.length; c++) out[pos++] = prefix.charCodeAt(c);
      for (let c = 0; c < id.length; c++) out[pos++] = id.charCodeAt(c);
      out[pos++] = TAB;
      // The timestamp and value literals are copied as written: JSON number syntax is valid engine
      // number syntax, and the engine parses them to the values JSON.parse would.
      for (let p = tsStart; p < tsEnd; p++) out[pos++] = buf[p]!;
      out[pos++] = TAB;
      for (let p = valStart; p < valEnd; p++) out[pos++] = buf[p]!;
      out[pos++] = NEWLINE;
      points++;
      const span = spans.get(name);
      if (span === undefined) spans.set(name, { earliest: ts, latest: ts });
      else if (ts > span.latest) span.latest = ts;
      else if (ts < span.earliest) span.earliest = ts;

      i = nextItem(buf, i, n, RBRACKET);
      if (i < 0) break;
    }
    i = -i;
  }
  i = expectByte(buf, i, n, RBRACE);
  i = skipWs(buf, i, n);
  if (i !== n) throw BAIL;
  return { tenant, points, samples: Buffer.from(out.subarray(0, pos)), newSeries, spans };
}
