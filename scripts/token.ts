// npm run token -- <subject> [--minutes N]: prints a token signed with the local development key.
import { createSigner } from 'fast-jwt'
import { ensureDevelopmentKeyPair } from '../src/auth/development-keys.js'
import { loadConfig } from '../src/config.js'

const [subject, flag, value] = process.argv.slice(2)
if (!subject) {
  process.stderr.write('usage: npm run token -- <subject> [--minutes N]\n')
  process.exit(2)
}
const config = loadConfig()
if (config.auth.publicKeyPem || config.auth.jwksUrl) {
  process.stderr.write('A key is configured (AUTH_PUBLIC_KEY or AUTH_JWKS_URL): tokens come from your identity provider.\n')
  process.exit(2)
}
const minutes = flag === '--minutes' && value ? Number(value) : 60
const { privateKeyPem } = ensureDevelopmentKeyPair(config.dataDir)
const sign = createSigner({
  key: privateKeyPem,
  algorithm: 'ES256',
  iss: config.auth.issuer,
  aud: config.auth.audience,
  sub: subject,
  expiresIn: minutes * 60_000,
})
process.stdout.write(`${sign({})}\n`)
