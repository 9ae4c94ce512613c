export { createEngine } from './client.js';
export type { Engine, EngineTarget, RawInsert } from './client.js';
export { storageErrors } from './errors.js';
export { MIGRATIONS } from './schema.js';
export { Store, engineErrorCode, errorMessage, isEngineTimeout, wrapEngineError } from './store.js';
export type { QueryOptions, StoreOptions } from './store.js';
export { WriteBuffer } from './write-buffer.js';
export type { WriteBufferOptions } from './write-buffer.js';
