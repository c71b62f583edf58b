import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { problemResponses } from '../http/problem-schema.js'
import { alertListSchema, alertQuerySchema } from '../lifecycle/alert.schemas.js'
import { listCaseAlerts } from '../lifecycle/alert.service.js'
import { actorOf } from './cases.js'

export async function alertRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/alerts',
    {
      config: { contract: { audit: 'alert.list', changes: false } },
      schema: {
        tags: ['lifecycle'],
        summary:
          'Alerts on the cases in the caller’s scope, computed from the data; a rule is listed only to those who may read the fields it is built from',
        querystring: alertQuerySchema,
        response: { 200: alertListSchema, ...problemResponses },
      },
    },
    async (request) => audited(app, request, (trx, recordAudit) => listCaseAlerts(trx, actorOf(request), request.query, recordAudit)),
  )
}
