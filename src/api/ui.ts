import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../version.js';
import type { RouteOptions } from './types.js';

/** The package root (holds package.json named luminate), from src/api (tests) or dist/src/api (built). */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'luminate') return dir;
    dir = dirname(dir);
  }
  return null;
}

/** Where the built UI is: `dist/ui` of the package (`npm run build` makes it). */
export function uiDir(): string | null {
  const root = packageRoot();
  const dir = root === null ? null : join(root, 'dist', 'ui');
  return dir !== null && existsSync(join(dir, 'index.html')) ? dir : null;
}

/**
 * The web role's pages: the React UI built by Vite into dist/ui, served at `/` (the UI routes with
 * the URL hash, so `/` and `/assets/*` are all there is), and `GET /api/v1/ui/config`, which tells
 * the UI whether to ask for a token.
 */
export const uiRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate }) => {
  app.get(
    '/api/v1/ui/config',
    { schema: { summary: 'What the web UI needs to start: whether auth is on, the version', tags: ['ui'], response: { 200: Type.Object({ auth_enabled: Type.Boolean(), version: Type.String() }) } } },
    async () => ({ auth_enabled: luminate.config.auth.enabled, version: VERSION }),
  );
  const dir = uiDir();
  if (dir === null) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Luminate</title><p>The web UI is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it), then reload. The API is at <a href="/docs">/docs</a>.</p>'),
    );
    return;
  }
  // Only the files that exist get routes (no wildcard), so unknown paths keep the API's 404 envelope.
  await app.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false, index: ['index.html'], cacheControl: false, schemaHide: true });
  app.addHook('onSend', async (req, reply, payload) => {
    // Hashed assets never change; the page itself must always be fresh.
    if (req.url.startsWith('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
    else if (req.url === '/' || req.url === '/index.html') reply.header('cache-control', 'no-cache');
    return payload;
  });
};
