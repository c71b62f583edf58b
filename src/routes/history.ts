import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { problemResponses } from '../http/problem-schema.js'
import { historyPageSchema, historyQuerySchema } from '../records/history.schemas.js'
import { historyIdFromCursor, readHistory } from '../records/history.service.js'
import { actorOf } from './cases.js'

export async function historyRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/cases/:id/history',
    {
      config: { contract: { audit: 'case.history.read', changes: false } },
      schema: {
        tags: ['history'],
        summary: 'Field-level changes of a case (old and new values, who, when), only of the fields the caller may read',
        params: caseIdParamsSchema,
        querystring: historyQuerySchema,
        response: { 200: historyPageSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId } = request.params
      const { limit, cursor } = request.query
      return audited(
        app,
        request,
        (trx, recordAudit) => readHistory(trx, actorOf(request), caseId, { limit, after: historyIdFromCursor(cursor) }, recordAudit),
        { caseId },
      )
    },
  )
}
