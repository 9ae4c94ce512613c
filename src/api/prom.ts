import type { FastifyPluginAsync } from 'fastify';
import { LuminateError } from '../errors.js';
import { SnappyBlockError, ingestErrors, sharedCode } from '../ingest/index.js';
import { apiErrors } from './errors.js';
import { writeLimits } from './rate-limit.js';
import { ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

/**
 * `POST /api/v1/prom/write` — Prometheus remote write 1.0 (protobuf `WriteRequest`, snappy block
 * compression), as sent by Prometheus, vmagent, Grafana Agent/Alloy and the OTel Collector's
 * prometheusremotewrite exporter. Samples go through the same validation, limits, tenancy and
 * group commit as `POST /api/v1/write`; the answer is 204 once they are stored.
 *
 * Payload errors answer 400 with a plain-text reason (what senders log); a sender must not retry
 * those. Samples that are invalid on their own (e.g. a metric name with `:`, a timestamp older
 * than 7 days, a series past the cardinality limit) are dropped, counted in
 * `luminate_write_errors_total{code}` and logged, and the rest stored: a 204. A request whose
 * every sample is invalid is a 400 naming the first reason.
 */
export const promRoutes: FastifyPluginAsync<RouteOptions & { maxDecodedBytes: number }> = async (app, { luminate, tenantOf, limiter, maxDecodedBytes }) => {
  const limits = writeLimits(limiter, tenantOf);
  app.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post(
    '/api/v1/prom/write',
    {
      config: { scope: 'write', encodings: ['snappy'] },
      ...limits.onRequest,
      schema: {
        summary: 'Prometheus remote write 1.0',
        description: 'Body: snappy-compressed prometheus.WriteRequest protobuf (Content-Type: application/x-protobuf, Content-Encoding: snappy). __name__ → metric name, other labels → dimensions. 204 once stored; 400 text/plain for a bad payload.',
        tags: ['write'],
        security: [{ bearer: [] }],
        response: { 204: { type: 'null', description: 'Stored.' }, 400: { type: 'string', description: 'text/plain reason' }, 413: ErrorEnvelope, 415: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
      },
    },
    async (req, reply) => {
      const tenant = tenantOf(req);
      try {
        const body = req.body as Buffer;
        if (body.length === 0) throw ingestErrors.create('INVALID_PAYLOAD', 'remote write: the body is empty', { protocol: 'prometheus_remote_write' });
        const admit = limits.admit(reply, tenant);
        const result = await luminate.writeRemoteWriteBlock(body, tenant, maxDecodedBytes, admit).catch((err: unknown) => {
          throw err instanceof SnappyBlockError ? blockError(err, maxDecodedBytes) : err;
        });
        if (result.rejected > 0) {
          const first = result.errors[0]!;
          if (result.accepted === 0) {
            throw ingestErrors.create(sharedCode(result.errors), `nothing stored: ${result.rejected} sample(s) rejected (first: ${first.metric ?? ''}: ${first.error})`, { rejected: result.rejected });
          }
          req.log.warn({ tenant, accepted: result.accepted, rejected: result.rejected, first: `${first.metric ?? ''}: ${first.code}: ${first.error}` }, 'remote write: samples dropped');
        }
        return reply.code(204).send();
      } catch (err) {
        // Payload and validation errors: a readable line for the sender's log.
        if (err instanceof LuminateError && err.status === 400) return reply.code(400).type('text/plain; charset=utf-8').send(`${err.code}: ${err.message}\n`);
        throw err;
      }
    },
  );
};

/** A body that is not a snappy block within the size limit, as the API's errors. */
function blockError(err: SnappyBlockError, max: number): LuminateError {
  if (err.tooBig) return apiErrors.create('PAYLOAD_TOO_LARGE', `remote write: decompressed body would be larger than ${max} bytes`, { max_request_size_bytes: max });
  return ingestErrors.create('INVALID_PAYLOAD', `remote write: not a valid snappy block: ${err.message}`, { protocol: 'prometheus_remote_write' });
}
