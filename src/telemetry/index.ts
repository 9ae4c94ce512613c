export { SelfMetrics } from './self-metrics.js';
export type { SelfMetricsOptions } from './self-metrics.js';
