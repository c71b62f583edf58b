import { randomUUID } from 'node:crypto'
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance, FastifyServerOptions, RawRequestDefaultExpression } from 'fastify'
import type { VerificationKey } from './auth/verification-key.js'
import type { Config } from './config.js'
import type { DatabaseHandle } from './db/connect.js'
import type { Policy } from './access/policy.js'
import { clientRequestIdOf } from './http/client-request-id.js'
import { abilities } from './plugins/abilities.js'
import { auditSealer } from './plugins/audit-sealer.js'
import { authentication } from './plugins/authentication.js'
import { database } from './plugins/database.js'
import { errorHandler, frameworkErrors } from './plugins/error-handler.js'
import { inputGuard } from './plugins/input-guard.js'
import { methodNotAllowed } from './plugins/method-not-allowed.js'
import { language } from './plugins/language.js'
import { openapi } from './plugins/openapi.js'
import { security } from './plugins/security.js'
import { refusalAudit } from './plugins/refusal-audit.js'
import { connectRedis, edgeLimits } from './plugins/edge-limits.js'
import { healthRoutes } from './routes/health.js'
import { meRoutes } from './routes/me.js'
import { organizationRoutes } from './routes/organizations.js'
import { userRoutes } from './routes/users.js'
import { caseRoutes } from './routes/cases.js'
import { consentRoutes } from './routes/consents.js'
import { participantRoutes } from './routes/participants.js'
import { referralRoutes } from './routes/referrals.js'
import { noteRoutes } from './routes/notes.js'
import { historyRoutes } from './routes/history.js'
import { mePermissionsRoutes } from './routes/me-permissions.js'
import { placementRoutes } from './routes/placements.js'
import { transitionRoutes } from './routes/transitions.js'
import { assessmentRoutes } from './routes/assessments.js'
import { determinationRoutes } from './routes/determinations.js'
import { alertRoutes } from './routes/alerts.js'
import { auditRoutes } from './routes/audit.js'
import { assignmentRoutes } from './routes/assignment.js'
import { calendarRoutes } from './routes/calendar.js'
import { taskRoutes } from './routes/tasks.js'
import { statisticsRoutes } from './routes/statistics.js'
import { transferRoutes } from './routes/transfers.js'
import { participationEndRoutes } from './routes/participation-end.js'
import { rootRoutes } from './routes/root.js'
import { vocabularyRoutes } from './routes/vocabulary.js'
import { caseFileFieldsBySection } from './cases/case-sections.js'
import { assertEveryFieldClassified } from './access/policy.js'
import { assertRecordsClassified } from './access/record-classes.js'
import { routeContracts } from './access/route-contract.js'
import { recordViews } from './access/record-views.js'

export interface AppOptions {
  readonly config: Config
  readonly database: DatabaseHandle
  readonly verificationKey: VerificationKey
  readonly policy: Policy
}

/** Options of the Fastify instance itself; the server and the tests build it the same way. */
export function fastifyOptions(): FastifyServerOptions {
  return {
    bodyLimit: 256 * 1024,
    requestIdHeader: false,
    // Every request gets an id of the server's own: a caller's X-Request-Id could repeat another's.
    genReqId: () => randomUUID(),
    // The caller's X-Request-Id, when it is a plain token, is kept beside it in the logs (and in the
    // audit trail), so records still join across systems; anything else is dropped unread.
    childLoggerFactory: (logger, bindings, options, rawRequest) => {
      const given = clientRequestIdOf(rawRequest as RawRequestDefaultExpression)
      return logger.child(given ? { ...bindings, clientRequestId: given } : bindings, options)
    },
    routerOptions: { maxParamLength: 200 },
    // A URL that does not decode, or a parameter over the limit, answers a problem like any error.
    frameworkErrors,
    ajv: undefined,
  }
}

/** The whole application as one plugin. It never listens: server.ts does. */
export async function app(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  // A new field cannot ship unclassified: start-up fails if a case field belongs to no section.
  assertEveryFieldClassified(options.policy, caseFileFieldsBySection())
  // Nor a record's field, and no free text may reach a role that must never read it.
  assertRecordsClassified(options.policy, recordViews())
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  await fastify.register(language, { defaultLanguage: options.config.defaultLanguage })
  await fastify.register(errorHandler)
  await fastify.register(inputGuard)
  await fastify.register(methodNotAllowed)
  await fastify.register(database, { handle: options.database })
  // Counters shared by every instance (rate limits) when REDIS_URL is set.
  const redisUrl = options.config.redisUrl
  const redis = redisUrl
    ? await connectRedis(redisUrl, (error) => fastify.log.error({ err: error }, 'redis unavailable; rate limits fail open'))
    : undefined
  if (redis) fastify.addHook('onClose', async () => void redis.disconnect())
  await fastify.register(security, { rateLimitPerMinute: options.config.rateLimitPerMinute, redis })
  // Before authentication: refused tokens are limited per address and aggregated in the trail.
  await fastify.register(edgeLimits, { maxFailures: options.config.authFailureLimit, windowMs: options.config.authFailureWindowMs, redis })
  // Shed load before memory runs out. Not on event-loop delay: the embedded PGlite runs queries on
  // the event loop itself, so a long delay there is normal work, not overload.
  await fastify.register(underPressure, { maxRssBytes: 1_500_000_000, exposeStatusRoute: false })
  await fastify.register(openapi)
  await fastify.register(authentication, {
    key: options.verificationKey,
    issuer: options.config.auth.issuer,
    audience: options.config.auth.audience,
    algorithms: options.config.auth.algorithms,
  })
  await fastify.register(abilities, { policy: options.policy })
  await fastify.register(auditSealer, { intervalMs: options.config.auditSealIntervalMs })
  // From here on, a route that does not declare what it discloses refuses to start.
  await fastify.register(routeContracts)
  // Refusals raised before a route's audited work are recorded too.
  await fastify.register(refusalAudit)

  await fastify.register(rootRoutes)
  await fastify.register(healthRoutes)
  await fastify.register(vocabularyRoutes)
  await fastify.register(meRoutes)
  await fastify.register(organizationRoutes)
  await fastify.register(userRoutes)
  await fastify.register(caseRoutes, { childRefSecret: options.config.childRefSecret })
  await fastify.register(consentRoutes)
  await fastify.register(participantRoutes)
  await fastify.register(referralRoutes)
  await fastify.register(transferRoutes)
  await fastify.register(participationEndRoutes)
  await fastify.register(noteRoutes)
  await fastify.register(historyRoutes)
  await fastify.register(mePermissionsRoutes)
  await fastify.register(placementRoutes)
  await fastify.register(transitionRoutes)
  await fastify.register(assessmentRoutes)
  await fastify.register(determinationRoutes)
  await fastify.register(alertRoutes)
  await fastify.register(auditRoutes)
  await fastify.register(statisticsRoutes, { maxAgeSeconds: options.config.statisticsMaxAgeSeconds })
  await fastify.register(calendarRoutes)
  await fastify.register(taskRoutes)
  await fastify.register(assignmentRoutes)
}
