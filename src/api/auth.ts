import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/index.js';
import { durationMs } from '../config/index.js';
import type { ApiKeys } from '../meta/index.js';
import { apiErrors } from './errors.js';

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** Who a request acts for: its tenant and what it may do. */
export interface AuthContext {
  tenant: string;
  scopes: ReadonlySet<Scope>;
}

/** Tenant ids end up in metric ids and logs: keep them plain. */
export const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

export interface TokenVerifier {
  verify(token: string): Promise<AuthContext>;
}

/**
 * Verifies bearer JWTs with `jose` (seed 003 "Security & Authentication"): HS256 with a shared
 * secret, RS256/ES256 with a PEM public key, or RS256/ES256 against a JWKS URL. Claims:
 * `tenant_id` (required), `scopes` (array of read|write|admin), `exp` (required, and at most
 * `auth.token_expiry` after `iat` when `iat` is present).
 */
export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  let key: Uint8Array | KeyObject | JWTVerifyGetKey;
  let algorithms: string[];
  if (auth.jwt_secret !== '') {
    key = new TextEncoder().encode(auth.jwt_secret);
    algorithms = ['HS256'];
  } else if (auth.jwt_public_key_path !== '') {
    const pub = createPublicKey(readFileSync(auth.jwt_public_key_path));
    algorithms = pub.asymmetricKeyType === 'ec' ? ['ES256'] : ['RS256'];
    key = pub;
  } else {
    key = createRemoteJWKSet(new URL(auth.jwks_url));
    algorithms = ['RS256', 'ES256'];
  }
  const maxLifetimeS = durationMs(auth.token_expiry) / 1000;
  const options = {
    algorithms,
    requiredClaims: ['exp'],
    ...(auth.issuer !== '' ? { issuer: auth.issuer } : {}),
    ...(auth.audience !== '' ? { audience: auth.audience } : {}),
  };
  const unauthorized = (message: string, cause?: unknown) => apiErrors.create('UNAUTHORIZED', message, {}, cause);

  return {
    async verify(token) {
      let payload;
      try {
        // jose takes a key or a key resolver; the union is narrowed by how it was built above.
        payload = (typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)).payload;
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw unauthorized('token has expired', err);
        if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw unauthorized('token signature does not verify', err);
        if (err instanceof joseErrors.JOSEAlgNotAllowed) throw unauthorized(`token algorithm not accepted (use ${algorithms.join(' or ')})`, err);
        if (err instanceof joseErrors.JWTClaimValidationFailed) throw unauthorized(`token claim ${err.claim} is invalid: ${err.reason}`, err);
        throw unauthorized('token is malformed or cannot be verified', err);
      }
      if (payload.iat !== undefined && payload.exp !== undefined && payload.exp - payload.iat > maxLifetimeS) {
        throw unauthorized(`token lifetime exceeds auth.token_expiry (${auth.token_expiry})`);
      }
      const tenant = payload.tenant_id;
      if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
        throw unauthorized(`token needs a tenant_id claim matching ${TENANT_PATTERN.source}`);
      }
      const raw = Array.isArray(payload.scopes) ? payload.scopes : [];
      const scopes = new Set(raw.filter((x): x is Scope => typeof x === 'string' && (SCOPES as readonly string[]).includes(x)));
      return { tenant, scopes };
    },
  };
}

/**
 * Reads the token from `Authorization`: `Bearer <token>`, `Token <token>` (what InfluxDB v2
 * clients such as Telegraf send) or `Basic base64(user:token)` (senders that only do basic auth:
 * the password is the token, the user name is ignored). Throws UNAUTHORIZED otherwise.
 */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header === '') throw apiErrors.create('UNAUTHORIZED', 'missing Authorization: Bearer <token> header');
  const h = header.trim();
  const m = /^(?:Bearer|Token)\s+([A-Za-z0-9._~+/=-]+)$/i.exec(h);
  if (m !== null) return m[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h);
  if (basic !== null) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const token = colon < 0 ? '' : decoded.slice(colon + 1);
    if (/^[A-Za-z0-9._~+/=-]+$/.test(token)) return token;
    throw apiErrors.create('UNAUTHORIZED', 'Basic auth must carry the token as its password');
  }
  throw apiErrors.create('UNAUTHORIZED', 'Authorization header must be "Bearer <token>" (or "Token <token>", or Basic with the token as password)');
}

/**
 * When auth is on: every route that declares a scope needs a bearer token — an API key (`lmk_…`,
 * checked against the metadata store) or a JWT — holding that scope. Runs on request, before the
 * body is read, so an unauthenticated 10 MB body costs nothing. Routes without a scope (health,
 * probes, /metrics by default) stay open.
 */
export function registerAuth(app: FastifyInstance, auth: Config['auth'], apiKeys: ApiKeys): void {
  app.decorateRequest('auth', null);
  if (!auth.enabled) return;
  const jwt = auth.jwt_secret !== '' || auth.jwt_public_key_path !== '' || auth.jwks_url !== '' ? createTokenVerifier(auth) : null;
  const authenticate = async (token: string): Promise<AuthContext> => {
    if (token.startsWith('lmk_')) {
      const key = await apiKeys.verify(token);
      if (key === null) throw apiErrors.create('UNAUTHORIZED', 'API key is unknown or revoked');
      return { tenant: key.tenant, scopes: new Set(key.scopes) };
    }
    if (jwt === null) throw apiErrors.create('UNAUTHORIZED', 'this server accepts API keys (lmk_…) only; no JWT key is configured');
    return jwt.verify(token);
  };
  app.addHook('onRequest', async (req) => {
    const scope = req.routeOptions.config.scope;
    if (scope === undefined) return;
    const ctx = await authenticate(bearerToken(req.headers.authorization));
    if (!ctx.scopes.has(scope)) {
      throw apiErrors.create('FORBIDDEN', `token lacks the ${scope} scope`, { required_scope: scope, scopes: [...ctx.scopes] });
    }
    req.auth = ctx;
  });
}
