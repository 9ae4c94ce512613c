import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { commonErrors } from '../errors.js';
import { apiErrors } from './errors.js';

/**
 * Request bodies: JSON parsed with plain JSON.parse (the write path's hot spot; no prototype
 * scrubbing is needed because no code path assigns parsed keys onto live objects), and
 * `Content-Encoding: gzip` inflated as a stream. Fastify applies `bodyLimit` to the inflated bytes
 * as they are produced (so a gzip bomb stops at the limit) and to the encoded bytes we count.
 */
export function registerBodyHandling(app: FastifyInstance, opts: { gzip: boolean }): void {
  // Only the types an endpoint documents are accepted (Fastify's default text/plain parser would let
  // any text reach a JSON endpoint); ingest protocols register their own parsers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    // Clients often send Content-Type on DELETE/GET without a body: nothing to parse then.
    if (text.length === 0 && (req.method === 'DELETE' || req.method === 'GET' || req.method === 'HEAD')) {
      done(null, undefined);
      return;
    }
    if (text.length === 0) {
      done(commonErrors.create('INVALID_JSON', 'request body is empty; send a JSON document'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (err) {
      done(commonErrors.create('INVALID_JSON', `request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.addHook('preParsing', async (req, _reply, payload) => {
    const header = req.headers['content-encoding'];
    const enc = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
    if (enc === '' || enc === 'identity') return payload;
    if (req.routeOptions.config.encodings?.includes(enc)) return payload;
    if (enc !== 'gzip' || !opts.gzip) {
      throw apiErrors.create('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${enc} is not supported; use gzip or identity`, { content_encoding: enc });
    }
    const inflate = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
    inflate.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      inflate.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (err) => inflate.destroy(err));
    payload.pipe(inflate);
    return inflate;
  });
}
