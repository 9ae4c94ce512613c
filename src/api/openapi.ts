import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';

/**
 * The OpenAPI document, generated from the route schemas (`/api/v1/openapi.json`), and Swagger UI
 * over it (`/api/v1/docs`, assets served from the package). Registered before the routes, which
 * it collects as they are added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Luminate',
        version: VERSION,
        description: 'High-cardinality metrics. Errors use {"error":{"code","message","details"}}; codes are listed in docs/errors.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A JWT (tenant_id, scopes, exp) or an API key lmk_…' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
