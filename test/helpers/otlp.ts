import protobuf from 'protobufjs';

/**
 * OTLP metrics fixtures, encoded by protobufjs from the opentelemetry-proto field numbers (v1.x),
 * so the decoder under test is checked against an independent encoder. `metricsRequest` builds
 * one request with every metric type from a time in unix ms.
 */
const PROTO = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }
message Status { int32 code = 1; string message = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message Metric {
  string name = 1; string description = 2; string unit = 3;
  oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; ExponentialHistogram exponential_histogram = 10; Summary summary = 11; }
  repeated KeyValue metadata = 12;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Summary { repeated SummaryDataPoint data_points = 1; }
message Exemplar { repeated KeyValue filtered_attributes = 7; fixed64 time_unix_nano = 2; oneof value { double as_double = 3; sfixed64 as_int = 6; } bytes span_id = 4; bytes trace_id = 5; }
message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; oneof value { double as_double = 4; sfixed64 as_int = 6; } repeated Exemplar exemplars = 5; uint32 flags = 8; }
message HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4; optional double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; repeated Exemplar exemplars = 8; uint32 flags = 10; optional double min = 11; optional double max = 12; }
message ExponentialHistogramDataPoint {
  repeated KeyValue attributes = 1; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4; optional double sum = 5; sint32 scale = 6; fixed64 zero_count = 7;
  Buckets positive = 8; Buckets negative = 9; uint32 flags = 10; repeated Exemplar exemplars = 11; optional double min = 12; optional double max = 13; double zero_threshold = 14;
  message Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
}
message SummaryDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4; double sum = 5; repeated ValueAtQuantile quantile_values = 6; uint32 flags = 8; message ValueAtQuantile { double quantile = 1; double value = 2; } }
`;

const root = protobuf.parse(PROTO, { keepCase: false }).root;
export const ExportMetricsServiceRequest = root.lookupType('otlp.ExportMetricsServiceRequest');
export const ExportMetricsServiceResponse = root.lookupType('otlp.ExportMetricsServiceResponse');
export const RpcStatus = root.lookupType('otlp.Status');

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** Nanoseconds as protobufjs takes a 64-bit field: a decimal string. */
export const nanos = (ms: number, extraNs = 0) => (BigInt(ms) * 1_000_000n + BigInt(extraNs)).toString();

/**
 * Every metric type, as an OTLP/JSON-shaped object (protobufjs' fromObject reads the same shape):
 * resource service.name=checkout, host.name=h1 (not allowlisted by default).
 */
export function metricsRequest(ms: number) {
  const t = nanos(ms, 999_999);
  return {
    resourceMetrics: [
      {
        resource: { attributes: [str('service.name', 'checkout'), str('host.name', 'h1'), str('deployment.environment', 'prod')] },
        scopeMetrics: [
          {
            scope: { name: 'lib', version: '1', attributes: [str('scope.attr', 's')] },
            metrics: [
              { name: 'queue.depth', unit: '{items}', description: 'Items waiting', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 3.5, attributes: [str('queue', 'q1'), { key: 'prio', value: { intValue: '2' } }, { key: 'ok', value: { boolValue: true } }] }] } },
              { name: 'http.server.requests', unit: '1', description: 'Requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: t, asInt: '42', attributes: [str('http.method', 'GET')] }, { timeUnixNano: t, asInt: '7', attributes: [str('http.method', 'POST')] }] } },
              { name: 'jobs.done', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: t, asDouble: 5 }] } },
              { name: 'latency', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: t, count: '6', sum: 120.5, bucketCounts: ['1', '2', '3'], explicitBounds: [10, 100] }] } },
              { name: 'rpc.duration', summary: { dataPoints: [{ timeUnixNano: t, count: '4', sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 5 }] }] } },
              { name: 'skipped', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 1, flags: 1 }] } },
              // Scale 1 (base √2): negative bucket 0 = [-√2, -1), zero bucket, positive buckets -1 = (√½, 1] and 0 = (1, √2].
              {
                name: 'exp.hist',
                unit: 's',
                exponentialHistogram: {
                  aggregationTemporality: 2,
                  dataPoints: [{ timeUnixNano: t, count: '5', sum: 3.5, scale: 1, zeroCount: '1', zeroThreshold: 0, positive: { offset: -1, bucketCounts: ['1', '2'] }, negative: { offset: 0, bucketCounts: ['1'] }, min: -1.2, max: 1.3 }],
                },
              },
              { name: 'exp.bad', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: t, count: '1', scale: 21 }] } },
            ],
          },
        ],
      },
    ],
  };
}

export function encodeMetricsRequest(obj: object): Buffer {
  return Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(obj)).finish());
}
