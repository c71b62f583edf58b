import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Principal, Role, OrganizationKind } from '../auth/principal.js'
import { JwksKeyStore } from '../auth/jwks-key-store.js'
import type { VerificationKey } from '../auth/verification-key.js'
import { findActivePrincipalRow } from '../auth/user.repository.js'
import { AppError } from '../http/problem.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every authenticated route before its handler runs. */
    principal: Principal
  }
  interface FastifyContextConfig {
    /** Routes that need no token (health, readiness, docs). */
    public?: boolean
  }
  interface FastifyInstance {
    /** Counts refused tokens by reason (the token itself is never kept). */
    authenticationFailures: Map<string, number>
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

function unauthorized(detail = 'A valid bearer token is required'): AppError {
  return new AppError('unauthorized', detail)
}

/**
 * The token says who; the users table says what. Every failure of any kind is a 401: fast-jwt's
 * own errors are caught here, so none of them can surface as a 500.
 */
async function authenticationPlugin(app: FastifyInstance, options: AuthenticationOptions): Promise<void> {
  const keyStore = options.key.kind === 'jwks' ? new JwksKeyStore(options.key.url) : undefined
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
    verify: {
      algorithms: [...options.algorithms],
      allowedIss: options.issuer,
      allowedAud: options.audience,
      requiredClaims: ['sub', 'exp', 'iss', 'aud'],
      clockTolerance: CLOCK_TOLERANCE_MS,
    },
  })
  app.decorate('authenticationFailures', new Map<string, number>())

  const countFailure = (reason: string) => app.authenticationFailures.set(reason, (app.authenticationFailures.get(reason) ?? 0) + 1)

  app.decorateRequest('principal', null as unknown as Principal)
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return
    const header = request.headers.authorization
    if (!header) {
      countFailure('missing')
      throw unauthorized()
    }
    if (header.length > MAX_TOKEN_LENGTH || !/^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(header)) {
      countFailure('malformed')
      throw unauthorized('The bearer token is malformed')
    }
    let subject: unknown
    try {
      const payload = await request.jwtVerify<{ sub?: unknown }>()
      subject = payload.sub
    } catch {
      countFailure('invalid')
      throw unauthorized('The bearer token is not valid')
    }
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 200) {
      countFailure('invalid')
      throw unauthorized('The bearer token is not valid')
    }
    const row = await findActivePrincipalRow(app.db, subject)
    if (!row || !row.active) {
      countFailure('unknown-or-inactive-user')
      throw unauthorized('This user is unknown or inactive')
    }
    request.principal = {
      userId: row.userId,
      subject: row.subject,
      displayName: row.displayName,
      role: row.role as Role,
      organizationId: row.organizationId,
      organizationKind: row.organizationKind as OrganizationKind,
    }
  })
}

export const authentication = fp(authenticationPlugin, {
  name: 'authentication',
  fastify: '5.x',
  dependencies: ['database', 'error-handler'],
})
