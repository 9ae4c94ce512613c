import { defineErrors } from '../errors.js';

export const storageErrors = defineErrors({
  STORAGE_UNAVAILABLE: { status: 503, description: 'The engine could not store or read data after retries; the request changed nothing. Retry later.' },
  BUFFER_FULL: { status: 503, description: 'The write buffer is full (batch_write.max_buffered_points); retry after the Retry-After header.' },
  SHUTTING_DOWN: { status: 503, description: 'The server is shutting down and accepts no new writes.' },
  STORAGE_ERROR: { status: 500, description: 'The engine rejected a statement; details.engine_code carries the ClickHouse error code.' },
});
