import { LuminateError, commonErrors, defineErrors } from '../errors.js';

export const apiErrors = defineErrors({
  INVALID_ENCODING: { status: 400, description: 'The body is declared gzip but is not a valid gzip stream.' },
  INVALID_REQUEST: { status: 400, description: 'The request does not match the endpoint (a parameter or header is malformed); the message names it.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body exceeds batch_write.max_request_size_bytes (10 MB) before or after decompression.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The Content-Type or Content-Encoding is not supported by this endpoint (JSON, gzip or identity).' },
  NOT_FOUND: { status: 404, description: 'No such route.' },
  ROLLUPS_DISABLED: { status: 409, description: 'The request needs rollups, and rollups.enabled is false.' },
  ARCHIVE_DISABLED: { status: 409, description: 'The request needs the archive, and archive.enabled is false.' },
  UNAUTHORIZED: { status: 401, description: 'Auth is on and the request has no bearer token, or it is malformed, badly signed, expired, too long-lived or has no valid tenant_id.' },
  RATE_LIMIT_EXCEEDED: { status: 429, description: 'The tenant is over one of its rate_limits (details.limit names it); wait Retry-After seconds.' },
  TOO_MANY_LIVE_STREAMS: { status: 429, description: 'The tenant already holds live.max_streams_per_tenant (100) open live streams; close a page or raise the limit.' },
  FORBIDDEN: { status: 403, description: 'The token is valid but lacks the scope this endpoint needs (read, write or admin).' },
  INTERNAL_ERROR: { status: 500, description: 'An unexpected server error; the log has the details under the request id.' },
});

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/** Maps anything thrown in a request to a LuminateError with a stable code. */
export function toLuminateError(err: unknown, bodyLimit: number): LuminateError {
  if (err instanceof LuminateError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiErrors.create('PAYLOAD_TOO_LARGE', `request body is larger than ${bodyLimit} bytes (before or after decompression)`, { max_request_size_bytes: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiErrors.create('UNSUPPORTED_MEDIA_TYPE', `${e.message ?? 'unsupported media type'}; send Content-Type: application/json`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return commonErrors.create('INVALID_JSON', 'request body is empty; send a JSON document');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiErrors.create('INVALID_REQUEST', 'request body length does not match Content-Length');
    case 'FST_ERR_VALIDATION':
      return apiErrors.create('INVALID_REQUEST', e.message ?? 'request does not match the endpoint schema');
  }
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return apiErrors.create('INVALID_ENCODING', `body is not valid gzip: ${e.message ?? e.code}`);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new LuminateError('INVALID_REQUEST', e.statusCode, e.message ?? 'bad request');
  }
  return apiErrors.create('INTERNAL_ERROR', 'internal server error', {}, err);
}
