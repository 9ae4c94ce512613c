import type { FastifyPluginAsync } from 'fastify';
import type { KeyScope } from '../meta/index.js';
import { Type } from '@sinclair/typebox';
import { apiErrors } from './errors.js';
import { ApiKeyInfo, ErrorEnvelope, authErrors } from './schemas.js';
import type { RouteOptions } from './types.js';

const KEY_SCOPES: readonly KeyScope[] = ['read', 'write', 'admin'];
const admin = { scope: 'admin' as const };
const tags = ['admin'];
const security = [{ bearer: [] }];

/** Administration (admin scope): the caller's tenant's API keys. */
export const adminRoutes: FastifyPluginAsync<RouteOptions> = async (app, { luminate, tenantOf }) => {
  app.get('/api/v1/admin/apikeys', { config: admin, schema: { summary: 'API keys of the caller\'s tenant', tags, security, response: { 200: Type.Array(ApiKeyInfo), ...authErrors } } }, async (req) =>
    luminate.apiKeys.list(tenantOf(req)),
  );

  const createSchema = {
    summary: 'Create an API key (the key is shown only in this answer)',
    tags,
    security,
    body: Type.Object({ scopes: Type.Array(Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')]), { minItems: 1 }), name: Type.Optional(Type.String({ maxLength: 200 })) }),
    response: { 201: Type.Intersect([ApiKeyInfo, Type.Object({ key: Type.String() })]), 400: ErrorEnvelope, ...authErrors },
  };
  app.post<{ Body: unknown }>('/api/v1/admin/apikeys', { config: admin, schema: createSchema }, async (req, reply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { name?: unknown; scopes?: unknown };
    const scopes = body.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((x) => (KEY_SCOPES as readonly unknown[]).includes(x))) {
      throw apiErrors.create('INVALID_REQUEST', 'scopes must be a non-empty array of read, write, admin', { field: 'scopes' });
    }
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 200)) {
      throw apiErrors.create('INVALID_REQUEST', 'name must be a string of at most 200 characters', { field: 'name' });
    }
    const created = await luminate.apiKeys.create({ tenant: tenantOf(req), scopes: scopes as KeyScope[], ...(typeof body.name === 'string' ? { name: body.name } : {}) });
    return reply.code(201).send(created);
  });

  const revokeSchema = { summary: 'Revoke an API key', tags, security, params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), 404: ErrorEnvelope, ...authErrors } };
  app.delete<{ Params: { id: string } }>('/api/v1/admin/apikeys/:id', { config: admin, schema: revokeSchema }, async (req, reply) => {
    if (!(await luminate.apiKeys.revoke(req.params.id, tenantOf(req)))) {
      throw apiErrors.create('NOT_FOUND', `no live API key ${req.params.id} for this tenant`, { id: req.params.id });
    }
    return reply.code(204).send();
  });
};
