/**
 * A minimal protobuf encoder for remote-write test payloads, written from the wire-format spec and
 * kept apart from the decoder under test (src/ingest/remote-write.ts).
 */
export interface EncodedSeries {
  /** An object is sent sorted by name, as Prometheus does; pairs are sent as given (any order, repeats). */
  labels: Record<string, string> | [string, string][];
  /** [timestamp ms, value]; 'stale' is Prometheus' staleness marker. */
  samples: [number, number | 'stale'][];
  /** Adds an exemplar (field 3), which receivers may ignore. */
  exemplar?: boolean;
}

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const field = (no: number, wire: number) => varint((no << 3) | wire);
const bytesField = (no: number, body: Buffer) => Buffer.concat([Buffer.from([...field(no, 2), ...varint(body.length)]), body]);

function sample(ts: number, value: number | 'stale'): Buffer {
  const v = Buffer.alloc(8);
  if (value === 'stale') v.writeBigUInt64LE(0x7ff0000000000002n);
  else v.writeDoubleLE(value);
  return Buffer.concat([Buffer.from(field(1, 1)), v, Buffer.from([...field(2, 0), ...varint(ts)])]);
}

export function encodeWriteRequest(series: EncodedSeries[]): Buffer {
  return Buffer.concat(
    series.map((s) => {
      // Remote write sends labels sorted by name.
      const pairs = Array.isArray(s.labels) ? s.labels : Object.keys(s.labels).sort().map((k) => [k, (s.labels as Record<string, string>)[k]!] as const);
      const labels = pairs.map(([k, v]) => bytesField(1, Buffer.concat([bytesField(1, Buffer.from(k)), bytesField(2, Buffer.from(v))])));
      const samples = s.samples.map(([ts, v]) => bytesField(2, sample(ts, v)));
      const exemplar = s.exemplar ? [bytesField(3, Buffer.concat([bytesField(1, bytesField(1, Buffer.from('trace_id'))), Buffer.from([...field(2, 1), 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])]))] : [];
      return bytesField(1, Buffer.concat([...labels, ...samples, ...exemplar]));
    }),
  );
}
