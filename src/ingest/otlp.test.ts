import { describe, expect, it } from 'vitest';
import { encodeMetricsRequest, metricsRequest, nanos } from '../../test/helpers/otlp.js';
import { LuminateError } from '../errors.js';
import { decodeOtlpJson, decodeOtlpProtobuf, type OtlpOptions } from './otlp.js';

const MS = 1_700_000_000_123;
const opts: OtlpOptions = { resourceAttributes: ['service.name', 'deployment.*'], scopeAttributes: [], now: 1 };
const base = { service_name: 'checkout', deployment_environment: 'prod' };

/** What the fixture must become (order as the request lists it). */
const expected = [
  { name: 'queue_depth', dimensions: { ...base, queue: 'q1', prio: '2', ok: 'true' }, timestamps: [MS], values: [3.5] },
  { name: 'http_server_requests', dimensions: { ...base, http_method: 'GET' }, timestamps: [MS], values: [42] },
  { name: 'http_server_requests', dimensions: { ...base, http_method: 'POST' }, timestamps: [MS], values: [7] },
  { name: 'jobs_done', dimensions: base, timestamps: [MS], values: [5] },
  { name: 'latency_bucket', dimensions: { ...base, le: '10' }, timestamps: [MS], values: [1] },
  { name: 'latency_bucket', dimensions: { ...base, le: '100' }, timestamps: [MS], values: [3] },
  { name: 'latency_bucket', dimensions: { ...base, le: '+Inf' }, timestamps: [MS], values: [6] },
  { name: 'latency_sum', dimensions: base, timestamps: [MS], values: [120.5] },
  { name: 'latency_count', dimensions: base, timestamps: [MS], values: [6] },
  { name: 'rpc_duration', dimensions: { ...base, quantile: '0.5' }, timestamps: [MS], values: [2] },
  { name: 'rpc_duration', dimensions: { ...base, quantile: '0.99' }, timestamps: [MS], values: [5] },
  { name: 'rpc_duration_sum', dimensions: base, timestamps: [MS], values: [10] },
  { name: 'rpc_duration_count', dimensions: base, timestamps: [MS], values: [4] },
  { name: 'exp_hist_bucket', dimensions: { ...base, le: '-1' }, timestamps: [MS], values: [1] },
  { name: 'exp_hist_bucket', dimensions: { ...base, le: '0' }, timestamps: [MS], values: [2] },
  { name: 'exp_hist_bucket', dimensions: { ...base, le: '1' }, timestamps: [MS], values: [3] },
  { name: 'exp_hist_bucket', dimensions: { ...base, le: String(Math.SQRT2) }, timestamps: [MS], values: [5] },
  { name: 'exp_hist_bucket', dimensions: { ...base, le: '+Inf' }, timestamps: [MS], values: [5] },
  { name: 'exp_hist_sum', dimensions: base, timestamps: [MS], values: [3.5] },
  { name: 'exp_hist_count', dimensions: base, timestamps: [MS], values: [5] },
];

describe('OTLP metrics', () => {
  it('decodes every metric type from protobuf (independent encoder) and JSON alike', () => {
    const req = metricsRequest(MS);
    const fromProto = decodeOtlpProtobuf(encodeMetricsRequest(req), opts);
    const fromJson = decodeOtlpJson(JSON.parse(JSON.stringify(req)), opts);
    for (const d of [fromProto, fromJson]) {
      expect(d.series).toEqual(expected);
      expect(d.rejected).toBe(1);
      expect(d.firstRejection).toMatch(/exp\.bad: exponential histogram scale 21 is outside \[-10, 20\]/);
      expect(d.metrics).toContainEqual({ name: 'exp_hist_bucket', type: 'histogram', unit: '', description: '' });
      expect(d.metrics).toContainEqual({ name: 'exp_hist_sum', type: 'counter', unit: 's', description: '' });
      expect(d.metrics).toContainEqual({ name: 'http_server_requests', type: 'counter', unit: '1', description: 'Requests' });
      expect(d.metrics).toContainEqual({ name: 'jobs_done', type: 'gauge', unit: '', description: '' });
      expect(d.metrics).toContainEqual({ name: 'latency_bucket', type: 'histogram', unit: '', description: '' });
      expect(d.metrics).toContainEqual({ name: 'latency_sum', type: 'counter', unit: 'ms', description: '' });
    }
  });

  it('maps exponential buckets at every scale to exact cumulative bounds', () => {
    const point = (scale: number, offset: number, counts: string[]) => ({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'h', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: nanos(MS), count: '9', scale, positive: { offset, bucketCounts: counts } }] } }] }] }],
    });
    const les = (req: object) => {
      const fromProto = decodeOtlpProtobuf(encodeMetricsRequest(req), opts).series;
      expect(decodeOtlpJson(req, opts).series).toEqual(fromProto);
      return fromProto.filter((s) => s.name === 'h_bucket').map((s) => [s.dimensions.le, s.values[0]]);
    };
    // scale 0: base 2, bucket i = (2^i, 2^(i+1)]; scale -2: base 16; scale 3: base 2^(1/8).
    expect(les(point(0, 2, ['1', '0', '3']))).toEqual([['8', 1], ['16', 1], ['32', 4], ['+Inf', 9]]);
    expect(les(point(-2, -1, ['2', '4']))).toEqual([['1', 2], ['16', 6], ['+Inf', 9]]);
    expect(les(point(3, 8, ['5']))).toEqual([[String(2 ** (9 / 8)), 5], ['+Inf', 9]]);
    expect(les(point(0, -3, []))).toEqual([['+Inf', 9]]);
  });

  it('reads nanosecond times exactly to the millisecond, and stamps points without one', () => {
    for (const ms of [1_700_000_000_001, 1_795_461_304_675, 4_102_444_800_000]) {
      const req = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: `${ms}000000`, asDouble: 1 }, { asDouble: 2 }] } }] }] }] };
      const d = decodeOtlpProtobuf(encodeMetricsRequest(req), { ...opts, now: 77 });
      expect(d.series.map((s) => s.timestamps[0])).toEqual([ms, 77]);
      expect(decodeOtlpJson(req, { ...opts, now: 77 }).series.map((s) => s.timestamps[0])).toEqual([ms, 77]);
    }
  });

  it('turns array and key-value-list attribute values into JSON text, from protobuf and JSON alike', () => {
    const attributes = [
      { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
      { key: 'owner', value: { kvlistValue: { values: [{ key: 'team', value: { stringValue: 'core' } }, { key: 'on_call', value: { boolValue: true } }] } } },
    ];
    const req = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: nanos(MS), asDouble: 1, attributes }] } }] }] }] };
    const want = { tags: '["a","2"]', owner: '{"team":"core","on_call":"true"}' };
    expect(decodeOtlpProtobuf(encodeMetricsRequest(req), opts).series[0]!.dimensions).toEqual(want);
    expect(decodeOtlpJson(req, opts).series[0]!.dimensions).toEqual(want);
  });

  it('keeps scope attributes only when allowed', () => {
    const d = decodeOtlpJson(metricsRequest(MS), { ...opts, resourceAttributes: [], scopeAttributes: ['scope.*'] });
    expect(d.series[3]!.dimensions).toEqual({ scope_attr: 's' });
  });

  it('refuses every truncation and random corruption with INVALID_PAYLOAD, never another error', () => {
    const buf = encodeMetricsRequest(metricsRequest(MS));
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const cases: Buffer[] = [];
    for (let n = 1; n < buf.length; n += 3) cases.push(buf.subarray(0, n));
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(buf);
      for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      cases.push(b);
    }
    for (const b of cases) {
      try {
        decodeOtlpProtobuf(b, opts);
      } catch (err) {
        expect(err).toBeInstanceOf(LuminateError);
        expect((err as LuminateError).code).toBe('INVALID_PAYLOAD');
      }
    }
  });

  it('explains malformed JSON documents', () => {
    expect(() => decodeOtlpJson([], opts)).toThrow(/JSON object/);
    expect(() => decodeOtlpJson({ resourceMetrics: {} }, opts)).toThrow(/resourceMetrics must be an array/);
    expect(() => decodeOtlpJson({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ asDouble: 'abc' }] } }] }] }] }, opts)).toThrow(/asDouble must be a number/);
    expect(() => decodeOtlpJson({ resourceMetrics: [{ resource: { attributes: [{ value: {} }] } }] }, opts)).toThrow(/"key": string/);
  });
});
