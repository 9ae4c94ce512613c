import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/index.js';
import { durationMs } from '../config/index.js';
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

/** Reads `Authorization: Bearer <token>`; throws UNAUTHORIZED when it is missing or not a bearer token. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header === '') throw apiErrors.create('UNAUTHORIZED', 'missing Authorization: Bearer <token> header');
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (m === null) throw apiErrors.create('UNAUTHORIZED', 'Authorization header must be "Bearer <token>"');
  return m[1]!;
}
