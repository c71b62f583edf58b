import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createSigner } from 'fast-jwt'

export const TEST_ISSUER = 'https://idp.test.local'
export const TEST_AUDIENCE = 'atd-api-test'

export interface TestKeyPair {
  readonly privateKeyPem: string
  readonly publicKeyPem: string
  readonly publicKey: KeyObject
}

export function makeKeyPair(kind: 'ES256' | 'RS256' = 'ES256'): TestKeyPair {
  const { privateKey, publicKey } =
    kind === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKey,
  }
}

/** One key pair per test process: the app under test trusts its public half. */
export const testKeys = makeKeyPair('ES256')

export interface SignOptions {
  readonly keys?: TestKeyPair
  readonly algorithm?: 'ES256' | 'RS256'
  readonly kid?: string
  readonly expiresInMs?: number
  /** Claims to add or override; `undefined` removes a standard claim. */
  readonly claims?: Record<string, unknown>
}

/** A really signed token, as an identity provider would issue it. */
export function signToken(subject: string | undefined, options: SignOptions = {}): string {
  const now = Math.floor(Date.now() / 1000)
  const claims: Record<string, unknown> = {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: subject,
    iat: now,
    exp: now + Math.floor((options.expiresInMs ?? 10 * 60_000) / 1000),
    ...options.claims,
  }
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name]
  const sign = createSigner({
    key: (options.keys ?? testKeys).privateKeyPem,
    algorithm: options.algorithm ?? 'ES256',
    ...(options.kid ? { kid: options.kid } : {}),
    noTimestamp: true,
  })
  return sign(claims)
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
