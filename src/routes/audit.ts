import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { findChainHead } from '../audit/audit-chain.repository.js'
import { auditEventPage } from '../audit/audit-trail.service.js'
import { verifyChain } from '../audit/audit-verify.js'
import {
  accessLogQuerySchema,
  auditEventListSchema,
  auditEventQuerySchema,
  checkpointSchema,
  verifyQuerySchema,
  verifyResultSchema,
} from '../audit/audit.schemas.js'
import { caseExists } from '../cases/case.repository.js'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { notFound } from '../http/problem.js'
import { problemResponses } from '../http/problem-schema.js'

/**
 * The oversight view of the trail, for `oversight_auditor` only. Reading the trail is itself
 * audited: an auditor's look at who saw a child's file leaves its own record.
 */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  const requireAuditor = (request: FastifyRequest) => app.requireAbility(request, 'read', 'AuditTrail')

  routes.get(
    '/audit-events',
    {
      config: { contract: { audit: 'audit.list', changes: false } },
      schema: {
        tags: ['audit'],
        summary: 'Audit events, newest first, by case, actor, organisation, action, outcome and time (auditors)',
        querystring: auditEventQuerySchema,
        response: { 200: auditEventListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query
      return audited(app, request, async (trx, recordAudit) => {
        requireAuditor(request)
        const page = await auditEventPage(trx, filters, { limit, cursor })
        await recordAudit({ caseIds: filters.caseId ? [filters.caseId] : [], fields: [] })
        return page
      })
    },
  )

  routes.get(
    '/cases/:id/access-log',
    {
      config: { contract: { audit: 'audit.access_log', changes: false } },
      schema: {
        tags: ['audit'],
        summary: 'Who saw or changed this child’s file, and who was refused (auditors)',
        params: caseIdParamsSchema,
        querystring: accessLogQuerySchema,
        response: { 200: auditEventListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params
      const { limit, cursor, ...filters } = request.query
      return audited(
        app,
        request,
        async (trx, recordAudit) => {
          requireAuditor(request)
          if (!(await caseExists(trx, id))) throw notFound('case')
          const page = await auditEventPage(trx, { ...filters, caseId: id }, { limit, cursor })
          await recordAudit({ caseIds: [id], fields: [] })
          return page
        },
        { caseId: id },
      )
    },
  )

  routes.get(
    '/audit-events/verify',
    {
      config: { contract: { audit: 'audit.verify', changes: false } },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the hash chain: intact through a sequence with its head hash, or where it first breaks (auditors)',
        description:
          'Give a checkpoint kept outside the system (checkpointSeq, checkpointHash from GET /audit-events/checkpoint) to prove the history up to it was not rewritten. ' +
          'Or give one you verified before as fromSeq and fromHash to verify only the links since (incremental: cost proportional to the events after it).',
        querystring: verifyQuerySchema,
        response: { 200: verifyResultSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { checkpointSeq, checkpointHash, fromSeq, fromHash } = request.query
      const checkpoint =
        checkpointSeq !== undefined && checkpointHash !== undefined ? { seq: checkpointSeq, hash: checkpointHash } : undefined
      const from = fromSeq !== undefined && fromHash !== undefined ? { seq: fromSeq, hash: fromHash } : undefined
      return audited(app, request, async (trx, recordAudit) => {
        requireAuditor(request)
        const result = await verifyChain(trx, { checkpoint, from })
        await recordAudit({ caseIds: [], fields: [] })
        return result
      })
    },
  )

  routes.get(
    '/audit-events/checkpoint',
    {
      config: { contract: { audit: 'audit.checkpoint', changes: false } },
      schema: {
        tags: ['audit'],
        summary: 'The head of the hash chain (sequence, hash, time), to keep outside the system (auditors)',
        response: { 200: checkpointSchema, ...problemResponses },
      },
    },
    async (request) =>
      audited(app, request, async (trx, recordAudit) => {
        requireAuditor(request)
        const head = await findChainHead(trx)
        await recordAudit({ caseIds: [], fields: [] })
        return { seq: head?.seq ?? 0, hash: head?.hash ?? null, sealedAt: head ? head.sealedAt.toISOString() : null }
      }),
  )
}
