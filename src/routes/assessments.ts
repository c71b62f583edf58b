import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audited } from '../audit/audited.js'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { etagOf, versionFromIfMatch } from '../cases/case-view.js'
import { createOnce, idempotencyKeyHeaders } from '../cases/idempotency.js'
import { AppError } from '../http/problem.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import {
  assessmentListSchema,
  assessmentParamsSchema,
  assessmentPatchSchema,
  assessmentViewSchema,
  newAssessmentSchema,
} from '../lifecycle/assessment.schemas.js'
import { changeAssessment, createAssessment, listCaseAssessments, readAssessment } from '../lifecycle/assessment.service.js'
import { actorOf } from './cases.js'

export async function assessmentRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/assessments',
    {
      config: { contract: { audit: 'assessment.create', changes: true } },
      schema: {
        tags: ['best interests'],
        summary: 'Record a best-interests assessment (BIA): findings per factor and a recommendation',
        params: caseIdParamsSchema,
        headers: idempotencyKeyHeaders,
        body: newAssessmentSchema,
        response: { 201: assessmentViewSchema, ...problemResponses, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const view = await audited(
        app,
        request,
        async (trx, recordAudit) => {
          return createOnce(trx, request, reply, id, {
            create: (newId) => createAssessment(trx, actorOf(request), id, request.body, recordAudit, newId),
            replay: (existing) => readAssessment(trx, actorOf(request), id, existing, recordAudit),
          })
        },
        { caseId: id },
      )
      return reply.code(201).header('etag', etagOf(view.version)).header('location', `/cases/${id}/assessments/${view.id}`).send(view)
    },
  )

  routes.get(
    '/cases/:id/assessments',
    {
      config: { contract: { audit: 'assessment.list', changes: false } },
      schema: {
        tags: ['best interests'],
        summary: 'The best-interests assessments of a case',
        params: caseIdParamsSchema,
        response: { 200: assessmentListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params
      return audited(app, request, (trx, recordAudit) => listCaseAssessments(trx, actorOf(request), id, recordAudit), { caseId: id })
    },
  )

  routes.get(
    '/cases/:id/assessments/:aid',
    {
      config: { contract: { audit: 'assessment.read', changes: false } },
      schema: {
        tags: ['best interests'],
        summary: 'One best-interests assessment, with its ETag',
        params: assessmentParamsSchema,
        response: { 200: assessmentViewSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id, aid } = request.params
      const view = await audited(app, request, (trx, recordAudit) => readAssessment(trx, actorOf(request), id, aid, recordAudit), {
        caseId: id,
      })
      return reply.header('etag', etagOf(view.version)).send(view)
    },
  )

  routes.patch(
    '/cases/:id/assessments/:aid',
    {
      config: { contract: { audit: 'assessment.update', changes: true } },
      schema: {
        tags: ['best interests'],
        summary: 'Change a draft assessment or complete it (If-Match); a completed assessment is final',
        params: assessmentParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: assessmentPatchSchema,
        response: {
          200: assessmentViewSchema,
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
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the assessment you read')
      const { id, aid } = request.params
      const view = await audited(
        app,
        request,
        (trx, recordAudit) => changeAssessment(trx, actorOf(request), id, aid, versionFromIfMatch(ifMatch), request.body, recordAudit),
        { caseId: id },
      )
      return reply.header('etag', etagOf(view.version)).send(view)
    },
  )
}
