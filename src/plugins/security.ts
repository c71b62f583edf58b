import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'

/** Security headers, a closed CORS policy, and a rate limit per caller. */
async function securityPlugin(app: FastifyInstance, options: { rateLimitPerMinute: number; redis?: Redis | undefined }): Promise<void> {
  // The API reference page (Swagger UI) needs inline scripts and styles from its own origin only.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  })
  await app.register(cors, { origin: false })
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: '1 minute',
    // Per address, counted before authentication: a caller cannot get a fresh allowance by sending
    // a different (even invalid) token each time. Offices behind one address share the default 6000.
    keyGenerator: (request) => request.ip,
    // Shared by every instance when Redis is configured; if it is down, nothing is limited (and
    // the client logs the outage) rather than every request failing.
    ...(options.redis ? { redis: options.redis, nameSpace: 'atd:rate-limit:', skipOnError: true } : {}),
  })
}

export const security = fp(securityPlugin, { name: 'security', fastify: '5.x' })
