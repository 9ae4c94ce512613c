import { BAIL, LaneBatch, isName, isPrintable, keyIs, orderDimensions, type FastBatchOptions } from './byte-lane.js';
import type { WriteBatch } from './types.js';

/**
 * The remote-write fast lane: a decompressed `prometheus.WriteRequest` → a WriteBatch, straight
 * from the protobuf bytes, with no per-series or per-label objects and no label strings for series
 * the process already knows (it hashes the canonical key from the label bytes and probes the
 * series cache). It handles the common case — printable-ASCII labels, valid names, every sample
 * valid, no series at a cardinality limit — and returns null for anything else, including a
 * malformed protobuf; the caller then takes the general path (`decodeWriteRequest` +
 * `resolveSeries`), which reports each error. Both must give identical batches
 * (fast-remote-write.test.ts checks it on randomized requests).
 *
 * Semantics are the general path's (remote-write.ts): `__name__` is the metric name, a label
 * with an empty value is absent, staleness markers are skipped and counted, exemplars, native
 * histograms and metadata are ignored, a series with no samples left is not written at all.
 */

export interface FastRemoteWrite {
  batch: WriteBatch;
  /** Staleness markers skipped. */
  stale: number;
}

/** The low and high words of Prometheus' staleness marker, math.Float64frombits(0x7ff0000000000002). */
const STALE_LO = 0x00000002;
const STALE_HI = 0x7ff00000;

const LEN_1 = (1 << 3) | 2; // field 1, length-delimited
const LEN_2 = (2 << 3) | 2;
const FIXED64_1 = (1 << 3) | 1;
const VARINT_2 = (2 << 3) | 0;

/** The read position of the helpers below (one request is scanned at a time on this thread). */
let at = 0;

/** An unsigned varint below 2^53 at `at`; anything longer or truncated bails. */
function varint(buf: Buffer, end: number): number {
  let b = at < end ? buf[at++]! : -1;
  if (b < 0) throw BAIL;
  if (b < 0x80) return b;
  let result = b & 0x7f;
  let mul = 128;
  for (let i = 1; i < 8; i++) {
    b = at < end ? buf[at++]! : -1;
    if (b < 0) throw BAIL;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
  }
  throw BAIL; // ≥ 2^56 (or a negative int64): the general path reads it exactly
}

/** A length-delimited field's end, with `at` at its start. */
function lengthEnd(buf: Buffer, end: number): number {
  const len = varint(buf, end);
  if (len > end - at) throw BAIL;
  return at + len;
}

function skip(buf: Buffer, end: number, tag: number): void {
  switch (tag & 7) {
    case 0:
      varint(buf, end);
      return;
    case 1:
      at += 8;
      break;
    case 2:
      at = lengthEnd(buf, end);
      return;
    case 5:
      at += 4;
      break;
    default:
      throw BAIL;
  }
  if (at > end) throw BAIL;
}

export function fastRemoteWrite(buf: Buffer, opts: FastBatchOptions): FastRemoteWrite | null {
  try {
    return scan(buf, opts);
  } catch (err) {
    if (err === BAIL) return null;
    throw err;
  }
}

function scan(buf: Buffer, opts: FastBatchOptions): FastRemoteWrite {
  const { limits, now } = opts;
  const minTs = now - limits.maxPastMs;
  const maxTs = now + limits.maxFutureMs;
  const lane = new LaneBatch(opts);
  const offsets: number[] = [];
  const order: number[] = [];
  /** The current series' live samples. */
  const timestamps: number[] = [];
  const values: number[] = [];
  let stale = 0;
  const n = buf.length;
  at = 0;
  while (at < n) {
    const tag = varint(buf, n);
    if (tag !== LEN_1) {
      if (tag < 8) throw BAIL;
      skip(buf, n, tag);
      continue;
    }
    // One TimeSeries.
    const tsEnd = lengthEnd(buf, n);
    let nameStart = -1;
    let nameEnd = -1;
    let dims = 0;
    offsets.length = 0;
    timestamps.length = 0;
    values.length = 0;
    while (at < tsEnd) {
      const t = varint(buf, tsEnd);
      if (t === LEN_1) {
        // Label { string name = 1; string value = 2; }
        const labelEnd = lengthEnd(buf, tsEnd);
        let ks = at;
        let ke = at;
        let vs = at;
        let ve = at;
        while (at < labelEnd) {
          const lt = varint(buf, labelEnd);
          if (lt === LEN_1) {
            ke = lengthEnd(buf, labelEnd);
            ks = at;
            at = ke;
          } else if (lt === LEN_2) {
            ve = lengthEnd(buf, labelEnd);
            vs = at;
            at = ve;
          } else {
            if (lt < 8) throw BAIL;
            skip(buf, labelEnd, lt);
          }
        }
        if (ke - ks === 8 && keyIs(buf, ks, ke, '__name__')) {
          if (nameStart >= 0) throw BAIL; // repeated: the general path's last-wins
          nameStart = vs;
          nameEnd = ve;
        } else if (ve > vs) {
          if (!isPrintable(buf, vs, ve)) throw BAIL;
          offsets.push(ks, ke, vs, ve);
          dims++;
        }
      } else if (t === LEN_2) {
        // Sample { double value = 1; int64 timestamp = 2; }, defaults 0; a repeated field's last wins.
        const sampleEnd = lengthEnd(buf, tsEnd);
        let value = 0;
        let ts = 0;
        let isStale = false;
        while (at < sampleEnd) {
          const st = varint(buf, sampleEnd);
          if (st === FIXED64_1) {
            if (sampleEnd - at < 8) throw BAIL;
            isStale = buf.readUInt32LE(at) === STALE_LO && buf.readUInt32LE(at + 4) === STALE_HI;
            value = buf.readDoubleLE(at);
            at += 8;
          } else if (st === VARINT_2) {
            ts = varint(buf, sampleEnd);
          } else {
            if (st < 8) throw BAIL;
            skip(buf, sampleEnd, st);
          }
        }
        if (isStale) {
          stale++;
        } else {
          timestamps.push(ts);
          values.push(value);
        }
      } else {
        if (t < 8) throw BAIL;
        skip(buf, tsEnd, t);
      }
    }

    // A series left with no samples is not written (nor counted against limits).
    if (timestamps.length === 0) continue;
    if (nameStart < 0 || nameEnd - nameStart > limits.maxNameLength || !isName(buf, nameStart, nameEnd)) throw BAIL;
    orderDimensions(buf, offsets, dims, limits, order);
    lane.series(buf, nameStart, nameEnd, offsets, order, dims);
    for (let k = 0; k < timestamps.length; k++) {
      const ts = timestamps[k]!;
      const value = values[k]!;
      if (!Number.isFinite(value) || ts < minTs || ts > maxTs) throw BAIL;
      lane.row(ts, value);
    }
  }
  return { batch: lane.finish(), stale };
}
