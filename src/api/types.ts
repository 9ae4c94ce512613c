import type { FastifyRequest } from 'fastify';
import type { Luminate } from '../luminate.js';

export interface RouteOptions {
  luminate: Luminate;
  /** The caller's tenant. Auth (when enabled) decides it; with auth off it is `default`. */
  tenantOf: (req: FastifyRequest) => string;
}
