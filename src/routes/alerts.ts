import type { FastifyInstance } from 'fastify'
import { answerLanguage } from '../plugins/language.js'
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
        description:
          'For oversight: each alert names the case by number, says in a sentence (es-MX or English, by `Accept-Language`) what went wrong, ' +
          'and names the task rule it watches over: every alert but `detention_corrected` is a task of the case team (`GET /tasks`) whose time limit passed, ' +
          'from the same condition and due time (`turning_18` from the day the task appears, 90 days ahead).',
        querystring: alertQuerySchema,
        response: { 200: alertListSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const language = answerLanguage(reply)
      const result = await audited(app, request, (trx, recordAudit) =>
        listCaseAlerts(trx, actorOf(request), request.query, language, recordAudit),
      )
      return result
    },
  )
}
