import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface DevelopmentKeyPair {
  readonly privateKeyPem: string
  readonly publicKeyPem: string
}

/**
 * With no key configured, the service signs nothing itself but trusts a key pair kept in DATA_DIR,
 * so `npm run token` can sign tokens for local users. Never used when a key or JWKS is configured.
 */
export function ensureDevelopmentKeyPair(dataDir: string): DevelopmentKeyPair {
  const directory = path.resolve(dataDir, 'dev-keys')
  const privatePath = path.join(directory, 'private.pem')
  const publicPath = path.join(directory, 'public.pem')
  if (!existsSync(privatePath) || !existsSync(publicPath)) {
    mkdirSync(directory, { recursive: true, mode: 0o700 })
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }))
  }
  return { privateKeyPem: readFileSync(privatePath, 'utf8'), publicKeyPem: readFileSync(publicPath, 'utf8') }
}
