import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { z } from 'zod'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { pageQuerySchema } from '../http/pagination.js'
import { participantListSchema, participantViewSchema, shareCaseSchema } from '../records/participant.schemas.js'
import { listParticipants, readParticipant, shareCase } from '../records/participant.service.js'
import { idFromCursor } from '../records/record-cursor.js'
import { actorOf } from './cases.js'

/** The organisations that participate in a case (its object scope), and sharing it with another. */
export async function participantRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/participants',
    {
      config: { contract: { audit: 'case.share', changes: true } },
      schema: {
        tags: ['participants'],
        summary: 'Share a case with another organisation, on a consent of this case or (protection officers) a legal basis',
        description:
          'A refusal names its `reason`: 422 consent_required, consent_not_found, consent_withdrawn, consent_scope_missing (the ground does not hold), section_not_covered (the sharer takes part in some sections only, as a referral’s receiver: a share passes on every section, so it refers instead; `sections` names those it lacks); 403 legal_basis_requires_protection_officer; 409 already_participant.',
        params: caseIdParamsSchema,
        body: shareCaseSchema,
        response: { 201: participantViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id: caseId } = request.params
      const participant = await audited(
        app,
        request,
        (trx, recordAudit) => shareCase(trx, actorOf(request), caseId, request.body, recordAudit),
        { caseId },
      )
      return reply.code(201).header('location', `/cases/${caseId}/participants/${participant.organizationId}`).send(participant)
    },
  )

  routes.get(
    '/cases/:id/participants',
    {
      config: { contract: { audit: 'participant.list', changes: false } },
      schema: {
        tags: ['participants'],
        summary: 'The organisations that participate in a case, the lead among them',
        params: caseIdParamsSchema,
        querystring: pageQuerySchema,
        response: { 200: participantListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId } = request.params
      const { limit, cursor } = request.query
      return audited(
        app,
        request,
        (trx, recordAudit) => listParticipants(trx, actorOf(request), caseId, { limit, after: idFromCursor(cursor) }, recordAudit),
        { caseId },
      )
    },
  )

  routes.get(
    '/cases/:id/participants/:organizationId',
    {
      config: { contract: { audit: 'participant.read', changes: false } },
      schema: {
        tags: ['participants'],
        summary: "One organisation's participation in a case: the live one, or else the latest that ended",
        params: z.strictObject({
          id: z.uuid().describe('the case’s id'),
          organizationId: z.uuid().describe('the participating organisation’s id'),
        }),
        response: { 200: participantViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId, organizationId } = request.params
      return audited(app, request, (trx, recordAudit) => readParticipant(trx, actorOf(request), caseId, organizationId, recordAudit), {
        caseId,
      })
    },
  )
}
