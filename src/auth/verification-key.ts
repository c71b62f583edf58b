import type { Config } from '../config.js'
import { ensureDevelopmentKeyPair } from './development-keys.js'
import type { JwksKeyStoreOptions } from './jwks-key-store.js'

/** Where the public key that verifies tokens comes from. */
export type VerificationKey =
  | { readonly kind: 'pem'; readonly pem: string }
  | { readonly kind: 'jwks'; readonly url: string; readonly keyStore?: JwksKeyStoreOptions }

export function verificationKeyFromConfig(config: Config): VerificationKey {
  if (config.auth.publicKeyPem) return { kind: 'pem', pem: config.auth.publicKeyPem }
  if (config.auth.jwksUrl) return { kind: 'jwks', url: config.auth.jwksUrl }
  return { kind: 'pem', pem: ensureDevelopmentKeyPair(config.dataDir).publicKeyPem }
}
