import { defineErrors } from '../errors.js';

/** Error codes of the write path. Per-point codes also appear in 207 responses' `errors[].code`. */
export const ingestErrors = defineErrors({
  INVALID_METRIC: { status: 400, description: 'A batch item is not an object of the form {name, timestamp, value, dimensions}.' },
  INVALID_METRIC_NAME: { status: 400, description: 'The metric name is missing, longer than 256 characters or does not match ^[a-zA-Z_][a-zA-Z0-9_]*$.' },
  INVALID_TIMESTAMP: { status: 400, description: 'The timestamp is not an integer of unix milliseconds within [now - 7d, now + 1h].' },
  INVALID_VALUE: { status: 400, description: 'The value is not a finite number.' },
  INVALID_DIMENSION_KEY: { status: 400, description: 'A dimension key is longer than 128 characters or does not match ^[a-zA-Z_][a-zA-Z0-9_]*$.' },
  INVALID_DIMENSION_VALUE: { status: 400, description: 'A dimension value is not a string of 1-256 characters without control characters.' },
  RESERVED_DIMENSION: { status: 400, description: 'A dimension key is reserved (`_tenant_id`): the tenant comes from the credentials, not the payload.' },
  DIMENSION_LIMIT_EXCEEDED: { status: 400, description: 'A point carries more than 20 dimensions (cardinality_limits.max_dimensions_per_metric).' },
  CARDINALITY_EXCEEDED: { status: 400, description: 'A point would create a new series past cardinality_limits.max_unique_series_per_metric (1,000,000), or a new metric past max_metrics_per_tenant (1,000); existing series keep being accepted.' },
  BATCH_TOO_LARGE: { status: 400, description: 'A write carries more metrics than batch_write.max_batch_size (10,000); details has max_batch_size and received.' },
  INVALID_PAYLOAD: { status: 400, description: 'A protocol body (remote write protobuf, snappy block) cannot be decoded; the message says what and at which byte.' },
  PARTIAL_WRITE: { status: 400, description: 'Some lines or samples of a line-protocol or import write (Influx, VictoriaMetrics import, CSV, OTLP) were rejected and the rest stored; details.errors lists the rejected ones by line. Do not resend the whole body.' },
  INVALID_REGISTRATION: { status: 400, description: 'A metric registration is not {name, type: counter|gauge|histogram, unit?: ≤64 characters, description?: ≤1024 characters}; the message names the field.' },
  INVALID_BATCH: { status: 400, description: 'The write body is not {"metrics":[...]}, or no metric in it was valid (details.errors lists each).' },
});

/** The code for a write that stored nothing: the items' code when they share one, else INVALID_BATCH. */
export function sharedCode(errors: readonly { code: string }[]): keyof typeof ingestErrors.specs {
  const first = errors[0]?.code;
  const shared = first !== undefined && first in ingestErrors.specs && errors.every((e) => e.code === first);
  return shared ? (first as keyof typeof ingestErrors.specs) : 'INVALID_BATCH';
}
