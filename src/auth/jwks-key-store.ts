import { createPublicKey, type JsonWebKey } from 'node:crypto'

export interface JwksKeyStoreOptions {
  /** A slow key server must not hang requests. */
  readonly timeoutMs?: number
  /** Unknown `kid`s may not make the service fetch the key set more often than this. */
  readonly minRefreshIntervalMs?: number
  /** Keys are re-read after this long, so a rotation is picked up without a restart. */
  readonly maxAgeMs?: number
}

export class UnknownSigningKeyError extends Error {
  override readonly name = 'UnknownSigningKeyError'
}

/**
 * The public keys of a JWKS endpoint whose address comes from configuration only (never from a
 * token). One fetch at a time, throttled, with a timeout; stale keys keep working while the key
 * server is down.
 */
export class JwksKeyStore {
  private keys = new Map<string, string>()
  private fetchedAt = 0
  private lastAttemptAt = 0
  private inFlight: Promise<void> | undefined
  private readonly timeoutMs: number
  private readonly minRefreshIntervalMs: number
  private readonly maxAgeMs: number

  constructor(
    private readonly url: string,
    options: JwksKeyStoreOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2_000
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000
  }

  /** The PEM of the key with this `kid`, for this algorithm. */
  async keyFor(kid: string | undefined, algorithm: string): Promise<string> {
    if (!kid) throw new UnknownSigningKeyError('token has no kid')
    const known = this.keys.get(`${algorithm}:${kid}`)
    if (known) {
      // A known key is used at once; an old key set is re-read in the background, so a slow key
      // server never delays a request that carries a key we already trust.
      if (Date.now() - this.fetchedAt > this.maxAgeMs && this.mayRefresh()) void this.refresh().catch(() => undefined)
      return known
    }
    if (this.mayRefresh()) await this.refresh().catch(() => undefined)
    const key = this.keys.get(`${algorithm}:${kid}`)
    if (!key) throw new UnknownSigningKeyError('no key with this kid')
    return key
  }

  private mayRefresh(): boolean {
    return this.inFlight !== undefined || Date.now() - this.lastAttemptAt >= this.minRefreshIntervalMs
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined
    })
    return this.inFlight
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptAt = Date.now()
    const response = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' })
    if (!response.ok) throw new Error(`key server answered ${response.status}`)
    const body = (await response.json()) as { keys?: (JsonWebKey & { kid?: string; alg?: string; use?: string })[] }
    const keys = new Map<string, string>()
    for (const jwk of body.keys ?? []) {
      if (!jwk.kid || (jwk.use && jwk.use !== 'sig')) continue
      const algorithms = jwk.alg ? [jwk.alg] : jwk.kty === 'EC' ? ['ES256'] : jwk.kty === 'RSA' ? ['RS256'] : []
      try {
        const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
        for (const algorithm of algorithms) keys.set(`${algorithm}:${jwk.kid}`, pem)
      } catch {
        // A malformed key in the set is skipped; the others still work.
      }
    }
    this.keys = keys
    this.fetchedAt = Date.now()
  }
}
