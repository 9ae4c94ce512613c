import { BAIL, LaneBatch, isName, keyIs, orderDimensions, type FastBatchOptions } from './byte-lane.js';
import type { WriteBatch } from './types.js';

export type { FastBatchOptions } from './byte-lane.js';

/**
 * The write path's fast lane: a JSON write body → a WriteBatch, straight from the request bytes.
 *
 * It handles the common shape — `{"metrics":[{"name","timestamp","value","dimensions"}…]}` with
 * printable-ASCII strings without escapes, every point valid — without building the body string
 * or any per-point object: it validates while scanning, hashes the series from the bytes, and
 * reads the timestamp and value literals straight into the sample block. Anything else (escapes, non-ASCII,
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

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

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
  const { limits, now } = opts;
  const n = buf.length;
  let i = expectByte(buf, 0, n, LBRACE);
  i = skipWs(buf, i, n);
  let e = stringEnd(buf, i, n);
  if (!keyIs(buf, i + 1, e, 'metrics')) throw BAIL;
  i = expectByte(buf, e + 1, n, COLON);
  i = expectByte(buf, i, n, LBRACKET);

  const lane = new LaneBatch(opts);
  const dimOffsets: number[] = [];
  const order: number[] = [];

  i = skipWs(buf, i, n);
  if (buf[i] === RBRACKET) {
    i++;
  } else {
    for (;;) {
      if (lane.points >= opts.maxBatchSize) throw BAIL; // BATCH_TOO_LARGE comes from the general path
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
      // A repeated dimension key is JSON.parse's last-wins: general path (orderDimensions bails).
      orderDimensions(buf, dimOffsets, dims, limits, order);
      lane.series(buf, nameStart, nameEnd, dimOffsets, order, dims);
      // The value literal is read to the double JSON.parse would give.
      lane.rowLiteral(buf, valStart, valEnd, ts);

      i = nextItem(buf, i, n, RBRACKET);
      if (i < 0) break;
    }
    i = -i;
  }
  i = expectByte(buf, i, n, RBRACE);
  i = skipWs(buf, i, n);
  if (i !== n) throw BAIL;
  return lane.finish();
}
