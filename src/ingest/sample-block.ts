/**
 * Sample rows as the engine's Native format: one block of four columns (metric_id UInt64,
 * series_id UInt64, ts DateTime64(3) as Int64 milliseconds, value Float64), each column's values
 * little-endian and contiguous. Every write path builds its batch's samples with `SampleBlockWriter`;
 * the write buffer concatenates the blocks of a flush (a Native stream is a sequence of blocks) and
 * the engine inserts them as one part.
 *
 * Why not text: on this machine the engine spends 1.22 CPU-µs per row inserting TabSeparated rows
 * and 0.75 µs reading the same rows as Native (40 × 40,000-row inserts into the samples schema,
 * docs/benchmarks.md), and writing four typed-array slots costs the JS side less than formatting
 * the digits of a timestamp and a value. Numbers are stored as the doubles the parser produced:
 * no decimal round trip.
 */

const COLUMNS: readonly [name: string, type: string][] = [
  ['metric_id', 'UInt64'],
  ['series_id', 'UInt64'],
  ['ts', "DateTime64(3, 'UTC')"],
  ['value', 'Float64'],
];

/** The column list of a samples insert, in block order. */
export const SAMPLE_COLUMNS = COLUMNS.map(([name]) => name) as [string, ...string[]];
/** The structure of a samples block, as a table function's structure argument. */
export const SAMPLE_STRUCTURE = COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');

const TWO_32 = 4294967296;

// Typed arrays use the platform's byte order; the Native format is little-endian.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('sample blocks need a little-endian platform');

/** Each column's header: its name and type, each as a varint length and the bytes. */
const HEADERS = COLUMNS.map(([name, type]) => Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1'), Buffer.from([type.length]), Buffer.from(type, 'latin1')]));

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(out: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/**
 * A growing set of sample rows. Reusable: `finish` returns the block and starts over, keeping the
 * space (a lane keeps one writer per thread).
 */
export class SampleBlockWriter {
  /** Per column, two 32-bit words per row (lo, hi): metric ids, series ids, timestamps. */
  #metric = new Uint32Array(2 * 1024);
  #series = new Uint32Array(2 * 1024);
  #ts = new Uint32Array(2 * 1024);
  #values = new Float64Array(1024);
  #rows = 0;

  get rows(): number {
    return this.#rows;
  }

  /** Drops the rows written so far. */
  reset(): void {
    this.#rows = 0;
  }

  /**
   * Appends a row. Ids are 64-bit as (hi, lo) words; `ts` is a safe integer (unix ms); `value` a
   * finite double (negative zero is stored as zero, as its text "0" always was).
   */
  add(metricHi: number, metricLo: number, seriesHi: number, seriesLo: number, ts: number, value: number): void {
    const r = this.#rows;
    if (r === this.#values.length) this.#grow();
    const o = 2 * r;
    this.#metric[o] = metricLo;
    this.#metric[o + 1] = metricHi;
    this.#series[o] = seriesLo;
    this.#series[o + 1] = seriesHi;
    // Two's complement words of a safe integer (a Uint32Array store wraps a negative hi).
    const hi = Math.floor(ts / TWO_32);
    this.#ts[o] = ts - hi * TWO_32;
    this.#ts[o + 1] = hi;
    this.#values[r] = value === 0 ? 0 : value;
    this.#rows = r + 1;
  }

  #grow(): void {
    const grow32 = (a: Uint32Array) => {
      const b = new Uint32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.#metric = grow32(this.#metric);
    this.#series = grow32(this.#series);
    this.#ts = grow32(this.#ts);
    const values = new Float64Array(this.#values.length * 2);
    values.set(this.#values);
    this.#values = values;
  }

  /** The rows as one Native block (an exact-size Buffer of its own), and an empty writer. */
  finish(): Buffer {
    const rows = this.#rows;
    this.#rows = 0;
    const headerBytes = 1 + varintLength(rows) + HEADERS.reduce((n, h) => n + h.length, 0);
    const out = Buffer.allocUnsafe(headerBytes + 32 * rows);
    let pos = writeVarint(out, 0, COLUMNS.length);
    pos = writeVarint(out, pos, rows);
    const columns = [this.#metric, this.#series, this.#ts, this.#values];
    for (let c = 0; c < 4; c++) {
      pos += HEADERS[c]!.copy(out, pos);
      out.set(new Uint8Array(columns[c]!.buffer, 0, 8 * rows), pos);
      pos += 8 * rows;
    }
    return out;
  }
}

export interface SampleRow {
  /** Ids as unsigned decimal text, the form the engine prints. */
  metricId: string;
  seriesId: string;
  ts: number;
  value: number;
}

/**
 * Reads the rows back out of concatenated blocks (tests and diagnostics; the engine is the real
 * reader). Throws on anything but blocks this module writes.
 */
export function decodeSampleBlocks(buf: Buffer): SampleRow[] {
  const out: SampleRow[] = [];
  let pos = 0;
  const varint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('sample block: truncated varint');
      const b = buf[pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    if (varint() !== COLUMNS.length) throw new Error('sample block: not 4 columns');
    const rows = varint();
    const cols: Buffer[] = [];
    for (const h of HEADERS) {
      if (!buf.subarray(pos, pos + h.length).equals(h)) throw new Error('sample block: unexpected column header');
      pos += h.length;
      if (pos + 8 * rows > buf.length) throw new Error('sample block: truncated column');
      cols.push(buf.subarray(pos, pos + 8 * rows));
      pos += 8 * rows;
    }
    for (let r = 0; r < rows; r++) {
      out.push({
        metricId: cols[0]!.readBigUInt64LE(8 * r).toString(),
        seriesId: cols[1]!.readBigUInt64LE(8 * r).toString(),
        ts: Number(cols[2]!.readBigInt64LE(8 * r)),
        value: cols[3]!.readDoubleLE(8 * r),
      });
    }
  }
  return out;
}

const SERIES_COLUMNS: readonly [name: string, type: string][] = [
  ['tenant', 'String'],
  ['metric', 'String'],
  ['series_id', 'UInt64'],
  ['dimensions', 'Map(String, String)'],
];

/** The column list of a series insert, in block order. */
export const SERIES_BLOCK_COLUMNS = SERIES_COLUMNS.map(([name]) => name) as [string, ...string[]];
/** The structure of a series block (the engine casts the strings to the table's LowCardinality). */
export const SERIES_BLOCK_STRUCTURE = SERIES_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');

const SERIES_HEADERS = SERIES_COLUMNS.map(([name, type]) => Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1'), Buffer.from([type.length]), Buffer.from(type, 'latin1')]));

/** UTF-8 byte length; ASCII (the common case) without a native call. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** A Native String value: varint byte length, then the UTF-8 bytes. */
function writeString(out: Buffer, pos: number, s: string, bytes: number): number {
  pos = writeVarint(out, pos, bytes);
  if (bytes === s.length) {
    for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
    return pos;
  }
  return pos + out.write(s, pos, 'utf8');
}

export interface SeriesRowLike {
  /** The series id's high and low 32-bit words. */
  hi: number;
  lo: number;
  tenant: string;
  metric: string;
  dimensions: Readonly<Record<string, string>>;
}

/**
 * Series rows [from, to) as one Native block (tenant, metric, series_id, dimensions). Measured
 * against JSONEachRow on 70,000 bench series into the series table: 174–216 against 289–314 ms
 * per insert (docs/benchmarks.md).
 */
export function seriesBlock(rows: readonly SeriesRowLike[], from = 0, to = rows.length): Buffer {
  const n = to - from;
  // Pass 1: sizes. Byte lengths are kept for pass 2: tenant and metric per row, then key and
  // value per dimension, in the order written.
  const heads: number[] = [];
  const pairs: number[] = [];
  const counts: number[] = [];
  let size = 1 + varintLength(n) + SERIES_HEADERS.reduce((t, h) => t + h.length, 0) + 16 * n;
  for (let r = from; r < to; r++) {
    const row = rows[r]!;
    const t = utf8Length(row.tenant);
    const m = utf8Length(row.metric);
    heads.push(t, m);
    size += t + varintLength(t) + m + varintLength(m);
    let c = 0;
    for (const k in row.dimensions) {
      const kl = utf8Length(k);
      const vl = utf8Length(row.dimensions[k]!);
      pairs.push(kl, vl);
      size += kl + varintLength(kl) + vl + varintLength(vl);
      c++;
    }
    counts.push(c);
  }
  const out = Buffer.allocUnsafe(size);
  let pos = writeVarint(out, 0, SERIES_COLUMNS.length);
  pos = writeVarint(out, pos, n);
  pos += SERIES_HEADERS[0]!.copy(out, pos);
  for (let r = from; r < to; r++) pos = writeString(out, pos, rows[r]!.tenant, heads[2 * (r - from)]!);
  pos += SERIES_HEADERS[1]!.copy(out, pos);
  for (let r = from; r < to; r++) pos = writeString(out, pos, rows[r]!.metric, heads[2 * (r - from) + 1]!);
  pos += SERIES_HEADERS[2]!.copy(out, pos);
  for (let r = from; r < to; r++) {
    out.writeUInt32LE(rows[r]!.lo, pos);
    out.writeUInt32LE(rows[r]!.hi, pos + 4);
    pos += 8;
  }
  // Map(String, String) is Array(Tuple(key, value)): cumulative offsets, then every key, then
  // every value.
  pos += SERIES_HEADERS[3]!.copy(out, pos);
  let total = 0;
  for (let r = 0; r < n; r++) {
    total += counts[r]!;
    out.writeUInt32LE(total % TWO_32, pos);
    out.writeUInt32LE(Math.floor(total / TWO_32), pos + 4);
    pos += 8;
  }
  for (let side = 0; side < 2; side++) {
    let p = side;
    for (let r = from; r < to; r++) {
      const dims = rows[r]!.dimensions;
      for (const k in dims) {
        pos = writeString(out, pos, side === 0 ? k : dims[k]!, pairs[p]!);
        p += 2;
      }
    }
  }
  if (pos !== size) throw new Error(`series block: wrote ${pos} of ${size} bytes`);
  return out;
}
