import type { FastifyInstance } from 'fastify'
import { answerLanguage } from '../plugins/language.js'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { problemResponses } from '../http/problem-schema.js'
import { taskListSchema, taskQuerySchema } from '../tasks/task.schemas.js'
import { listCaseTasks } from '../tasks/task.service.js'
import { actorOf } from './cases.js'

export async function taskRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/tasks',
    {
      config: { contract: { audit: 'task.list', changes: false } },
      schema: {
        tags: ['lifecycle'],
        summary: 'The caller’s work: what is due on the cases in its scope, computed from the case data',
        description:
          'For the roles that work on cases (oversight reads `/alerts`: 403). Each task has a rule code, the case, when it is due, whether it is overdue, ' +
          'a sentence in es-MX or English (by `Accept-Language`, else the deployment’s `DEFAULT_LANGUAGE`) and the route that resolves it. Rules: ' +
          '`notify_procuraduria` (24 hours), `leave_migration_station` (at once), `appoint_guardian` (7 days in custody), ' +
          '`file_asylum_claim` (25 of the 30 working days from `legalStatus.entryDate`, on the working-day calendar), `case_plan` (14 days), ' +
          '`case_review` (every 90 days), `residential_review` (every 30 days), `bid_review` (the date the decision set), `turning_18` (90 days ahead), ' +
          '`respond_to_referral` (a pending referral to the caller’s organisation, by the end of its respond-by date; it tells no more than the referral’s stub), ' +
          '`respond_to_transfer` (a pending transfer to the caller’s organisation: 24 hours after a hand-over, the end of the fifth working day after a transfer of responsibility). ' +
          'A task is listed only where the caller may read every field it is built from and use the route that resolves it. Ordered by due time.',
        querystring: taskQuerySchema,
        response: { 200: taskListSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const language = answerLanguage(reply)
      const result = await audited(app, request, (trx, recordAudit) =>
        listCaseTasks(trx, actorOf(request), request.query, language, recordAudit),
      )
      return result
    },
  )
}
