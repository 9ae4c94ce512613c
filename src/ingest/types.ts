/** A metric as clients send it (seed 003 "Metric Structure"). Timestamps are unix milliseconds. */
export interface MetricPoint {
  name: string;
  timestamp: number;
  value: number;
  dimensions?: Record<string, string>;
}

/** Limits the validator enforces; every field maps to a config key (docs/config.md). */
export interface ValidationLimits {
  /** @default 20 (cardinality_limits.max_dimensions_per_metric) */
  maxDimensions: number;
  /** @default 128 (cardinality_limits.max_dimension_key_length) */
  maxKeyLength: number;
  /** @default 256 (cardinality_limits.max_dimension_value_length) */
  maxValueLength: number;
  /** @default 256 */
  maxNameLength: number;
  /** How far in the past a timestamp may be, in ms. @default 7 days */
  maxPastMs: number;
  /** How far in the future a timestamp may be, in ms. @default 1 hour */
  maxFutureMs: number;
}

/** One rejected item of a batch, as the 207/400 responses list it. */
export interface PointError {
  index: number;
  metric: string | null;
  code: string;
  error: string;
}

/** A series the writer must record because this process has not stored it yet. */
export interface NewSeries {
  /** The series id as unsigned decimal text, and as its high and low 32-bit words. */
  seriesId: string;
  hi: number;
  lo: number;
  tenant: string;
  metric: string;
  dimensions: Record<string, string>;
}

/** The timestamps (unix ms) a batch's points of one metric span. */
export interface TimeSpan {
  earliest: number;
  latest: number;
}

/**
 * What the acceptor hands to the write queue: points already validated and resolved to series ids.
 * `samples` holds the points as one block of the engine's Native format (columns `metric_id,
 * series_id, ts, value`, sample-block.ts) — the form the engine inserts fastest.
 */
export interface WriteBatch {
  tenant: string;
  points: number;
  samples: Buffer;
  newSeries: NewSeries[];
  /** Earliest and latest timestamp per metric in this batch; the writer publishes them on the event bus. */
  spans: Map<string, TimeSpan>;
}
