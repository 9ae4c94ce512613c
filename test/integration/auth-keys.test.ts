import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/api/auth.js';
import { loadConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/server.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const claims = { tenant_id: 'acme', scopes: ['read', 'write'] };
const sign = (alg: 'RS256' | 'ES256', key: typeof rsa.privateKey, kid?: string) =>
  new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setIssuedAt().setExpirationTime('1h').sign(key);
const authConfig = (auth: Record<string, unknown>) => loadConfig({ overrides: { auth: { enabled: true, ...auth } } }).auth;

describe('public-key and JWKS verification', () => {
  it('verifies RS256 and ES256 tokens against a PEM public key file, and rejects the other key', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rsa.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'ec.pem'), ec.publicKey.export({ type: 'spki', format: 'pem' }));
    const rsaVerifier = createTokenVerifier(authConfig({ jwt_public_key_path: join(dir, 'rsa.pem') }));
    const ecVerifier = createTokenVerifier(authConfig({ jwt_public_key_path: join(dir, 'ec.pem') }));
    const rs = await sign('RS256', rsa.privateKey);
    const es = await sign('ES256', ec.privateKey);
    expect(await rsaVerifier.verify(rs)).toEqual({ tenant: 'acme', scopes: new Set(['read', 'write']) });
    expect((await ecVerifier.verify(es)).tenant).toBe('acme');
    await expect(rsaVerifier.verify(es)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    await expect(ecVerifier.verify(rs)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // An RS256 token signed by another key.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(rsaVerifier.verify(await sign('RS256', other.privateKey))).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'token signature does not verify' });
  });

  describe('JWKS', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      const keys: JWK[] = [
        { ...(await exportJWK(rsa.publicKey)), kid: 'r1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'e1', alg: 'ES256', use: 'sig' },
      ];
      server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const addr = server.address();
      if (addr === null || typeof addr === 'string') throw new Error('no address');
      url = `http://127.0.0.1:${addr.port}/.well-known/jwks.json`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('verifies tokens by kid from the issuer key set', async () => {
      const v = createTokenVerifier(authConfig({ jwks_url: url }));
      expect((await v.verify(await sign('RS256', rsa.privateKey, 'r1'))).tenant).toBe('acme');
      expect((await v.verify(await sign('ES256', ec.privateKey, 'e1'))).tenant).toBe('acme');
      const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await expect(v.verify(await sign('ES256', stranger.privateKey, 'e1'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });
  });

  it('refuses to start with two JWT key sources (none means API keys only)', () => {
    expect(() => loadConfig({ overrides: { auth: { enabled: true } } })).not.toThrow();
    expect(() => loadConfig({ overrides: { auth: { enabled: true, jwt_secret: 's', jwks_url: 'http://x' } } })).toThrow(/at most one of auth\.jwt_secret, auth\.jwt_public_key_path, auth\.jwks_url \(2 set\)/);
  });
});
