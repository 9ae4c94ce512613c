export { ConfigError, loadConfig } from './load.js';
export type { Config, LoadConfigOptions } from './load.js';
export { ConfigSchema } from './schema.js';
export { durationMs, formatDuration, parseDuration } from './duration.js';
export type { DurationUnit } from './duration.js';
