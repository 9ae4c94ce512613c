import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LuminateError, commonErrors } from '../errors.js';
import { decodeOtlpJson, decodeOtlpProtobuf, ingestErrors } from '../ingest/index.js';
import type { OtlpDecoded, OtlpOptions } from '../ingest/index.js';
import { writeLimits } from './rate-limit.js';
import { ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

export interface OtlpRouteOptions extends RouteOptions {
  resourceAttributes: readonly string[];
  scopeAttributes: readonly string[];
}

/** google.rpc.Code INVALID_ARGUMENT, which OTLP answers a bad request with. */
const INVALID_ARGUMENT = 3;

/**
 * `POST /v1/metrics` and `POST /api/v1/otlp/v1/metrics` — OTLP/HTTP metrics export, protobuf
 * (`application/x-protobuf`) or JSON (`application/json`), optionally gzip. Answers as OTLP/HTTP
 * specifies: 200 with an `ExportMetricsServiceResponse` in the request's encoding, carrying
 * `partial_success` when some data points were rejected (the others are stored); 400 when the
 * payload cannot be decoded or no point was valid, with a `google.rpc.Status` body for protobuf
 * requests and the error envelope for JSON ones.
 */
export const otlpRoutes: FastifyPluginAsync<OtlpRouteOptions> = async (app, { luminate, tenantOf, limiter, resourceAttributes, scopeAttributes }) => {
  const limits = writeLimits(limiter, tenantOf);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/x-protobuf', 'application/protobuf', 'application/json'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const tenant = tenantOf(req);
    const body = req.body as Buffer;
    const protobuf = !(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
    try {
      const opts: OtlpOptions = { resourceAttributes, scopeAttributes, now: Date.now() };
      let decoded: OtlpDecoded;
      if (protobuf) decoded = decodeOtlpProtobuf(body, opts);
      else {
        let doc: unknown;
        try {
          doc = JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw commonErrors.create('INVALID_JSON', `OTLP/JSON body is not valid JSON: ${(err as Error).message}`);
        }
        decoded = decodeOtlpJson(doc, opts);
      }
      const admit = limits.admit(reply, tenant);
      let accepted = 0;
      let rejected = decoded.rejected;
      let first = decoded.firstRejection;
      if (decoded.series.length > 0) {
        const r = await luminate.writeSeries(decoded.series, tenant, admit);
        accepted = r.accepted;
        rejected += r.rejected;
        const e = r.errors[0];
        if (first === null && e !== undefined) first = `${e.metric ?? ''}: ${e.code}: ${e.error}`;
      }
      if (rejected > 0 && accepted === 0) {
        throw ingestErrors.create('INVALID_PAYLOAD', `OTLP: no data point was stored: ${rejected} rejected (first: ${first ?? 'unknown'})`, { protocol: 'otlp', rejected_data_points: rejected });
      }
      if (rejected > 0) req.log.warn({ tenant, accepted, rejected, first }, 'OTLP: data points rejected');
      // Types, units and descriptions for discovery; the points are stored either way.
      if (decoded.metrics.length > 0) luminate.metricMetadata.declare(tenant, decoded.metrics).catch((err: unknown) => req.log.warn({ err }, 'OTLP: metric metadata not recorded'));
      return answer(reply, protobuf, rejected, first);
    } catch (err) {
      if (protobuf && err instanceof LuminateError && err.status === 400) {
        return reply.code(400).type('application/x-protobuf').send(encodeStatus(INVALID_ARGUMENT, `${err.code}: ${err.message}`));
      }
      throw err;
    }
  };

  const schema = {
    summary: 'OTLP/HTTP metrics export',
    description:
      'ExportMetricsServiceRequest as protobuf (application/x-protobuf) or OTLP/JSON (application/json), optionally gzip. gauge/sum → metric; histogram → _bucket{le}, _sum, _count; summary → {quantile}, _sum, _count. Point attributes → dimensions, resource/scope attributes by config otlp.*. 200 ExportMetricsServiceResponse (partial_success when some points were rejected); 400 google.rpc.Status (protobuf) or the error envelope (JSON). docs/ingest/opentelemetry.md.',
    tags: ['write'],
    security: [{ bearer: [] }],
    response: { 200: { description: 'ExportMetricsServiceResponse in the request\'s encoding.' }, 400: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope, 503: ErrorEnvelope, ...authErrors },
  };
  const onRequest = limits.onRequest;
  app.post('/v1/metrics', { config: { scope: 'write' }, ...onRequest, schema }, handler);
  app.post('/api/v1/otlp/v1/metrics', { config: { scope: 'write' }, ...onRequest, schema }, handler);
};

function answer(reply: FastifyReply, protobuf: boolean, rejected: number, message: string | null) {
  if (!protobuf) {
    reply.code(200).type('application/json');
    return reply.send(rejected > 0 ? { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message ?? '' } } : {});
  }
  reply.code(200).type('application/x-protobuf');
  if (rejected === 0) return reply.send(Buffer.alloc(0));
  // ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1 { int64 rejected_data_points = 1; string error_message = 2; } }
  const inner = Buffer.concat([field(1, 0, varint(rejected)), field(2, 2, Buffer.from(message ?? '', 'utf8'))]);
  return reply.send(field(1, 2, inner));
}

/** google.rpc.Status { int32 code = 1; string message = 2; } */
function encodeStatus(code: number, message: string): Buffer {
  return Buffer.concat([field(1, 0, varint(code)), field(2, 2, Buffer.from(message, 'utf8'))]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function field(num: number, wire: 0 | 2, payload: Buffer): Buffer {
  return wire === 0 ? Buffer.concat([varint((num << 3) | 0), payload]) : Buffer.concat([varint((num << 3) | 2), varint(payload.length), payload]);
}
