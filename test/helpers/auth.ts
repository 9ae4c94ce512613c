import { SignJWT } from 'jose';

/** An HS256 token for a tenant with scopes, valid for an hour (the tests' servers share the secret). */
export function jwtFor(secret: string, tenant: string, scopes: readonly string[]): Promise<string> {
  return new SignJWT({ tenant_id: tenant, scopes: [...scopes] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}
