import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type AuditTarget, recordRefusalOf } from '../audit/audited.js'

/** What a refused request was about, read from its route's parameters. */
function targetOf(request: FastifyRequest): AuditTarget {
  const url = request.routeOptions.url ?? ''
  const id = (request.params as { id?: unknown } | undefined)?.id
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return {}
  if (url.startsWith('/cases/:id')) return { caseId: id }
  if (url.startsWith('/users/:id')) return { targetUserId: id }
  if (url.startsWith('/organizations/:id')) return { targetOrganizationId: id }
  return {}
}

/**
 * Refusals raised before a route's audited work began (a missing If-Match, a role that may not
 * administer) are on record too: the same denied event `audited` writes, with its reason. It runs
 * before the error handler answers, so the event is written before the refusal leaves.
 */
async function refusalAuditPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onError', async (request, _reply, error) => {
    try {
      await recordRefusalOf(app, request, error, targetOf(request))
    } catch (auditError) {
      // The refusal stands either way; a lost event is worth an alarm.
      request.log.error({ err: auditError }, 'recording a refusal in the audit trail failed')
    }
  })
}

export const refusalAudit = fp(refusalAuditPlugin, { name: 'refusal-audit', fastify: '5.x', dependencies: ['database'] })
