import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { problemResponses } from '../http/problem-schema.js'
import { statisticsQuerySchema, statisticsSchema } from '../statistics/statistics.schemas.js'
import { statisticsFor } from '../statistics/statistics.service.js'

export async function statisticsRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/statistics',
    {
      config: { contract: { audit: 'statistics.read', changes: false } },
      schema: {
        tags: ['statistics'],
        summary: 'Open cases by stage, placement, nationality, age and separation; detention; protection timings. Counts below 5 read "<5"',
        description: 'Auditors see every case; a protection officer the cases their organisation participates in.',
        querystring: statisticsQuerySchema,
        response: { 200: statisticsSchema, ...problemResponses },
      },
    },
    async (request) =>
      audited(app, request, async (trx, recordAudit) => {
        app.requireAbility(request, 'read', 'Statistics')
        const statistics = await statisticsFor(trx, request.ability, request.query)
        await recordAudit({ caseIds: [], fields: [] })
        return statistics
      }),
  )
}
