import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { z } from 'zod'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { etagOf, versionFromIfMatch } from '../cases/case-view.js'
import { AppError } from '../http/problem.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { transitionListSchema, transitionRequestSchema, transitionViewSchema } from '../lifecycle/transition.schemas.js'
import { listCaseTransitions, moveCase, readCaseTransition } from '../lifecycle/transition.service.js'
import { actorOf } from './cases.js'

export async function transitionRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/transitions',
    {
      config: { contract: { audit: 'case.transition', changes: true } },
      schema: {
        tags: ['lifecycle'],
        summary:
          'Move a case to another stage (If-Match required: a transition is an update); forward moves are guarded (409 guard-failed lists every unmet condition)',
        description: 'The answer carries the ETag of the case (a move changes the case), for a PATCH /cases/{id} that follows.',
        params: caseIdParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: transitionRequestSchema,
        response: {
          201: transitionViewSchema,
          ...problemResponses,
          409: problemSchema,
          412: problemSchema,
          422: problemSchema,
          428: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match']
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the case you read')
      const { id } = request.params
      const result = await audited(
        app,
        request,
        (trx, recordAudit) => moveCase(trx, actorOf(request), app.policy, id, versionFromIfMatch(ifMatch), request.body, recordAudit),
        {
          caseId: id,
        },
      )
      // The ETag is the case's: a transition changes the case's version.
      return reply
        .code(201)
        .header('etag', etagOf(result.version))
        .header('location', `/cases/${id}/transitions/${result.view.id}`)
        .send(result.view)
    },
  )

  routes.get(
    '/cases/:id/transitions',
    {
      config: { contract: { audit: 'case.transitions.list', changes: false } },
      schema: {
        tags: ['lifecycle'],
        summary: 'The stage changes of a case: who, when, from, to and why',
        params: caseIdParamsSchema,
        response: { 200: transitionListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params
      return audited(app, request, (trx, recordAudit) => listCaseTransitions(trx, actorOf(request), id, recordAudit), { caseId: id })
    },
  )

  routes.get(
    '/cases/:id/transitions/:transitionId',
    {
      config: { contract: { audit: 'case.transitions.read', changes: false } },
      schema: {
        tags: ['lifecycle'],
        summary: 'One stage change of a case',
        params: z.strictObject({ id: z.uuid().describe('the case’s id'), transitionId: z.uuid().describe('the transition’s id') }),
        response: { 200: transitionViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id, transitionId } = request.params
      return audited(app, request, (trx, recordAudit) => readCaseTransition(trx, actorOf(request), id, transitionId, recordAudit), {
        caseId: id,
      })
    },
  )
}
