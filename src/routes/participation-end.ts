import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audited } from '../audit/audited.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { endParticipationOf } from '../records/participation-end.service.js'
import { participantViewSchema } from '../records/participant.schemas.js'
import { actorOf } from './cases.js'

const paramsSchema = z.strictObject({
  id: z.uuid().describe('the case’s id'),
  organizationId: z.uuid().describe('the participating organisation’s id'),
})
/** A reason is required; its absence is a 422 (well-formed but wrong), not a 400. */
const bodySchema = z.strictObject({ reason: z.string().trim().max(2000).optional().describe('required; free text: section notes') })

/** Ending an organisation's participation in a case. */
export async function participationEndRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.post(
    '/cases/:id/participants/:organizationId/end',
    {
      config: { contract: { audit: 'participant.end', changes: true } },
      schema: {
        tags: ['participants'],
        summary: "End an organisation's participation in a case (the lead organisation, or a protection officer on legal authority)",
        description:
          'Access ends on the organisation’s next request. Refusals: 403 (`reason` role, not_lead); 404 outside scope or no live participation; ' +
          '409 lead_cannot_be_ended, transfer_pending; 422 reason_required.',
        params: paramsSchema,
        body: bodySchema,
        response: { 200: participantViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request) => {
      const { id: caseId, organizationId } = request.params
      return audited(
        app,
        request,
        (trx, recordAudit) => endParticipationOf(trx, actorOf(request), caseId, organizationId, request.body, recordAudit),
        { caseId },
      )
    },
  )
}
