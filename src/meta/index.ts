export { API_KEY_PATTERN, ApiKeys } from './api-keys.js';
export type { ApiKeyInfo, CreatedApiKey, KeyScope } from './api-keys.js';
export { RetentionPolicies } from './retention-policies.js';
export type { RetentionPolicy } from './retention-policies.js';
export { openMetaDb } from './store.js';
export type { MetaDatabase, MetaDb, MetaTarget } from './store.js';
export { METRIC_TYPES, MetricMetadataStore } from './metric-metadata.js';
export type { MetricDeclaration, MetricMetadata, MetricType } from './metric-metadata.js';
