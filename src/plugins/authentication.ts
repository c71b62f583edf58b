import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Principal } from '../auth/principal.js'
import { JwksKeyStore } from '../auth/jwks-key-store.js'
import type { VerificationKey } from '../auth/verification-key.js'
import { findActivePrincipalRow } from '../auth/user.repository.js'
import { PrincipalCache } from '../auth/principal-cache.js'
import { AppError } from '../http/problem.js'
import { textFault } from '../http/hostile-text.js'
import { detailText } from '../i18n/messages.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every authenticated route before its handler runs. */
    principal: Principal
  }
  interface FastifyInstance {
    /** This instance forgets who the subject is at once (others learn it from the database). */
    forgetPrincipal(subject: string): void
  }
  interface FastifyContextConfig {
    /** Routes that need no token (health, readiness, docs). */
    public?: boolean
  }
}

export interface AuthenticationOptions {
  readonly key: VerificationKey
  readonly issuer: string
  readonly audience: string
  readonly algorithms: readonly ('ES256' | 'RS256')[]
}

const MAX_TOKEN_LENGTH = 8_192
const CLOCK_TOLERANCE_MS = 30_000
// The scheme name is case-insensitive (RFC 9110); the token is three base64url parts.
const BEARER = /^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/i

// A NumericDate of RFC 7519: seconds, possibly fractional, but a finite number.
const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

function unauthorized(detail = detailText('A valid bearer token is required')): AppError {
  return new AppError('unauthorized', detail)
}

/**
 * The token says who; the users table says what. Every failure of any kind is a 401: fast-jwt's
 * own errors are caught here, so none of them can surface as a 500.
 */
async function authenticationPlugin(app: FastifyInstance, options: AuthenticationOptions): Promise<void> {
  const keyStore = options.key.kind === 'jwks' ? new JwksKeyStore(options.key.url, options.key.keyStore) : undefined
  const staticKey = options.key.kind === 'pem' ? options.key.pem : undefined

  await app.register(fastifyJwt, {
    secret: {
      public: keyStore
        ? async (_request: FastifyRequest, token: TokenOrHeader) => {
            const header = 'header' in token ? token.header : token
            return keyStore.keyFor(header.kid, header.alg ?? '')
          }
        : (staticKey as string),
    },
    // The key callback needs the header (kid, alg); without `complete` it only sees the claims.
    decode: { complete: true },
    verify: {
      algorithms: [...options.algorithms],
      allowedIss: options.issuer,
      allowedAud: options.audience,
      requiredClaims: ['sub', 'exp', 'iss', 'aud'],
      clockTolerance: CLOCK_TOLERANCE_MS,
      // A verified signature is remembered (never past the token's exp); who the user is comes from
      // the principal cache, which answers only once it has caught up with every change to the row.
      cache: true,
    },
  })

  // The reason is logged for operators; the token never is (the logger redacts the header too).
  const refuse = (request: FastifyRequest, reply: FastifyReply, reason: string, detail: string): AppError => {
    request.log.info({ reason }, 'authentication refused')
    // Counted in the audit trail too (plugins/audit-sealer.ts), without the token.
    app.noteAuthenticationFailure?.(request, reason)
    reply.header('www-authenticate', 'Bearer')
    return unauthorized(detail)
  }

  // The users table says who a subject is; instances remember it while they follow its changes.
  const principals = new PrincipalCache()
  if (app.listenToDatabase) await principals.follow(app.listenToDatabase)
  app.addHook('onClose', () => principals.stop())
  app.decorate('forgetPrincipal', (subject: string) => principals.forget(subject))

  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return
    const header = request.headers.authorization
    if (!header) throw refuse(request, reply, 'missing', detailText('A valid bearer token is required'))
    if (header.length > MAX_TOKEN_LENGTH) throw refuse(request, reply, 'oversized', detailText('The bearer token is too large'))
    if (!BEARER.test(header)) throw refuse(request, reply, 'malformed', detailText('The bearer token is malformed'))
    let payload: { sub?: unknown; iat?: unknown; exp?: unknown }
    try {
      payload = await request.jwtVerify<{ sub?: unknown; iat?: unknown; exp?: unknown }>()
    } catch (error) {
      // fast-jwt's code (never its message, which may quote claims) says which check failed.
      const code = (error as { code?: unknown }).code
      throw refuse(request, reply, typeof code === 'string' ? code : 'invalid', detailText('The bearer token is not valid'))
    }
    const subject = payload.sub
    // A subject the database could not even compare (a NUL, a lone surrogate) is a bad token, not a 500.
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 200 || textFault(subject)) {
      throw refuse(request, reply, 'invalid-subject', detailText('The bearer token is not valid'))
    }
    // fast-jwt lets a non-numeric iat pass, and an exp of 1e309 (Infinity) never expires.
    if (payload.iat !== undefined && !isNumericDate(payload.iat))
      throw refuse(request, reply, 'invalid-issued-at', 'The bearer token is not valid')
    if (!isNumericDate(payload.exp)) throw refuse(request, reply, 'invalid-expiry', 'The bearer token is not valid')
    // fast-jwt checks iat only against a maxAge; a token minted in the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat * 1000 > Date.now() + CLOCK_TOLERANCE_MS) {
      throw refuse(request, reply, 'issued-in-the-future', detailText('The bearer token is not valid'))
    }
    const cached = await principals.get(subject)
    if (cached) {
      request.principal = cached
      return
    }
    const generation = principals.generation
    const row = await findActivePrincipalRow(app.db, subject)
    if (!row?.active) throw refuse(request, reply, row ? 'inactive-user' : 'unknown-user', 'This user is unknown or inactive')
    if (!row.organizationActive) throw refuse(request, reply, 'inactive-organization', detailText('This user is unknown or inactive'))
    request.principal = {
      userId: row.userId,
      subject: row.subject,
      displayName: row.displayName,
      role: row.role,
      organizationId: row.organizationId,
      organizationKind: row.organizationKind,
    }
    principals.remember(request.principal, generation)
  })
}

export const authentication = fp(authenticationPlugin, {
  name: 'authentication',
  fastify: '5.x',
  dependencies: ['database', 'error-handler'],
})
