import { generateKeyPairSync } from 'node:crypto'
import { createSigner } from 'fast-jwt'

export const BENCH_ISSUER = 'atd-bench'
export const BENCH_AUDIENCE = 'atd-api'

export interface BenchKeys {
  readonly privateKeyPem: string
  readonly publicKeyPem: string
}

/** A fresh ES256 key pair per run: the service under test trusts only its public half. */
export function makeBenchKeys(): BenchKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}

/** A really signed token, valid for the whole run: the service verifies it on every request. */
export function benchToken(keys: BenchKeys, subject: string): string {
  const now = Math.floor(Date.now() / 1000)
  const sign = createSigner({ key: keys.privateKeyPem, algorithm: 'ES256', noTimestamp: true })
  return sign({ iss: BENCH_ISSUER, aud: BENCH_AUDIENCE, sub: subject, iat: now, exp: now + 6 * 3600 })
}

/** The environment that makes the service trust these keys. */
export function authEnvironment(keys: BenchKeys): Record<string, string> {
  return { AUTH_PUBLIC_KEY: keys.publicKeyPem, AUTH_ISSUER: BENCH_ISSUER, AUTH_AUDIENCE: BENCH_AUDIENCE, AUTH_ALGORITHMS: 'ES256' }
}
