import type { GatewayConfig } from '../config/schema.js';
import { GrantTokens, noAuthentication, type Authenticator } from './authenticator.js';
import type { GrantStore } from './grant-store.js';

/** The authenticator the configuration's `auth` names; unset means grants (see `GatewayConfig.auth`). */
export async function authenticatorFor(config: Pick<GatewayConfig, 'auth' | 'jwt'>, store: GrantStore | undefined): Promise<Authenticator> {
  const mode = config.auth ?? 'grants';
  if (mode === 'none') return noAuthentication;
  if (!store) throw new Error(`auth: ${mode} needs the grant store`);
  if (mode === 'grants') return new GrantTokens(store);
  const { JwtAuthenticator } = await import('./jwt-authenticator.js');
  const jwt = config.jwt!;
  return new JwtAuthenticator({ issuer: jwt.issuer, audience: jwt.audience, jwksUrl: jwt.jwks_url, labelClaim: jwt.label_claim }, store);
}
