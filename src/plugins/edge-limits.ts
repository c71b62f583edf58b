import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { recordAuthenticationFailure } from '../audit/authentication-failure.js'
import { FailureAggregator } from '../edge/failure-aggregator.js'
import { FailOpenStore, type FailureStore, MemoryFailureStore, RedisFailureStore } from '../edge/failure-store.js'
import { clientRequestIdOf } from '../http/client-request-id.js'
import { AppError } from '../http/problem.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Marks the request's token as refused; the event is written (or counted) before the 401 leaves. */
    noteAuthenticationFailure(request: FastifyRequest, reason: string): void
  }
  interface FastifyRequest {
    authenticationFailure: string | null
  }
}

export interface EdgeLimitOptions {
  /** Refused authentications one address may cause per window; then 429 before any verification. */
  readonly maxFailures: number
  readonly windowMs: number
  /** Shared counters (several instances); without it, this instance counts alone. */
  readonly redis?: Redis | undefined
  /** Failures of one address recorded one by one per window before the rest are aggregated. */
  readonly individually?: number
}

/** The first failures of an address in a window are recorded each; the rest as one counted event. */
export const INDIVIDUAL_FAILURE_EVENTS = 3

/** A Redis connection for the shared counters that never holds a request up: commands fail fast while it is down. */
export async function connectRedis(url: string, onError: (error: unknown) => void): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 })
  let lastLogged = 0
  redis.on('error', (error: unknown) => {
    if (Date.now() - lastLogged < 10_000) return
    lastLogged = Date.now()
    onError(error)
  })
  // Down at start: the limits fail open, and the client keeps reconnecting in the background.
  await redis.connect().catch(() => undefined)
  return redis
}

/**
 * Failed authentication cannot flood the trail, nor cost a signature check each: before
 * authentication, an address that caused `maxFailures` refused authentications in the current
 * window gets 429 (Retry-After) without its token being looked at; each refusal is counted in the
 * shared store (Redis when configured, memory otherwise; if Redis is down, nothing is limited and
 * the outage is logged). The trail gets the first few refusals of an address in a window one by
 * one, and the rest as one `auth.failed` event with their count.
 */
async function edgeLimitsPlugin(app: FastifyInstance, options: EdgeLimitOptions): Promise<void> {
  const inner: FailureStore = options.redis
    ? new RedisFailureStore(options.redis, options.windowMs)
    : new MemoryFailureStore(options.windowMs)
  const store = new FailOpenStore(inner, (error) => app.log.error({ err: error }, 'the rate-limit store is unavailable; not limiting'))
  const aggregator = new FailureAggregator(
    {
      one: (event) => recordAuthenticationFailure(app.db, { ...event, policyVersion: app.policyVersion }),
      many: (event) =>
        recordAuthenticationFailure(app.db, {
          requestId: event.lastRequestId,
          clientRequestId: event.lastClientRequestId,
          reason: `repeated:${event.reasons.join(',')}`,
          policyVersion: app.policyVersion,
          count: event.count,
        }),
    },
    {
      windowMs: options.windowMs,
      individually: options.individually ?? INDIVIDUAL_FAILURE_EVENTS,
      onError: (error) => app.log.error({ err: error }, 'recording repeated refused tokens in the audit trail failed'),
    },
  )
  app.addHook('onClose', async () => {
    await aggregator.flushAll()
    await store.close()
  })

  app.decorateRequest('authenticationFailure', null)
  app.decorate('noteAuthenticationFailure', (request: FastifyRequest, reason: string) => {
    request.authenticationFailure = reason
  })

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return
    if ((await store.count(request.ip)) < options.maxFailures) return
    request.authenticationFailure = 'rate-limited'
    reply.header('retry-after', String(Math.ceil(options.windowMs / 1000)))
    throw new AppError('too-many-requests', 'Too many refused authentications from this address; retry later')
  })

  app.addHook('onError', async (request) => {
    const reason = request.authenticationFailure
    if (!reason) return
    try {
      if (reason !== 'rate-limited') await store.hit(request.ip)
      await aggregator.note(request.ip, request.id, reason, clientRequestIdOf(request.raw))
    } catch (error) {
      // The caller gets the 401 either way; the lost count is worth an alarm, not a different answer.
      request.log.error({ err: error }, 'recording a refused token in the audit trail failed')
    }
  })
}

export const edgeLimits = fp(edgeLimitsPlugin, { name: 'edge-limits', fastify: '5.x', dependencies: ['database', 'error-handler'] })
