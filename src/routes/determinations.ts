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
  decisionSchema,
  determinationListSchema,
  determinationParamsSchema,
  determinationPatchSchema,
  determinationViewSchema,
  newDeterminationSchema,
} from '../lifecycle/determination.schemas.js'
import {
  changeDraft,
  createDetermination,
  decideDetermination,
  listCaseDeterminations,
  readDetermination,
} from '../lifecycle/determination.service.js'
import { actorOf } from './cases.js'

type View = z.infer<typeof determinationViewSchema>

export async function determinationRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/determinations',
    {
      config: { contract: { audit: 'determination.create', changes: true } },
      schema: {
        tags: ['best interests'],
        summary: 'Open a best-interests determination (BID) as a draft, with its trigger and panel',
        params: caseIdParamsSchema,
        headers: idempotencyKeyHeaders,
        body: newDeterminationSchema,
        response: { 201: determinationViewSchema, ...problemResponses, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const view = await audited(
        app,
        request,
        async (trx, recordAudit) => {
          return createOnce(trx, request, reply, id, {
            create: (newId) => createDetermination(trx, actorOf(request), id, request.body, recordAudit, newId),
            replay: (existing) => readDetermination(trx, actorOf(request), id, existing, recordAudit),
          })
        },
        { caseId: id },
      )
      return reply
        .code(201)
        .header('etag', etagOf(view.version))
        .header('location', `/cases/${id}/determinations/${view.id}`)
        .send(view as View)
    },
  )

  routes.get(
    '/cases/:id/determinations',
    {
      config: { contract: { audit: 'determination.list', changes: false } },
      schema: {
        tags: ['best interests'],
        summary:
          'The determinations of a case: outcome and dates for readers of bestInterests, deliberation for readers of bidDeliberation',
        params: caseIdParamsSchema,
        response: { 200: determinationListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params
      const list = await audited(app, request, (trx, recordAudit) => listCaseDeterminations(trx, actorOf(request), id, recordAudit), {
        caseId: id,
      })
      return list as { items: View[] }
    },
  )

  routes.get(
    '/cases/:id/determinations/:did',
    {
      config: { contract: { audit: 'determination.read', changes: false } },
      schema: {
        tags: ['best interests'],
        summary: 'One determination, with its ETag',
        params: determinationParamsSchema,
        response: { 200: determinationViewSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id, did } = request.params
      const view = await audited(app, request, (trx, recordAudit) => readDetermination(trx, actorOf(request), id, did, recordAudit), {
        caseId: id,
      })
      return reply.header('etag', etagOf(view.version)).send(view as View)
    },
  )

  routes.patch(
    '/cases/:id/determinations/:did',
    {
      config: { contract: { audit: 'determination.update', changes: true } },
      schema: {
        tags: ['best interests'],
        summary: 'Change the deliberation of a draft (If-Match); a decided determination is immutable (409)',
        params: determinationParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: determinationPatchSchema,
        response: { 200: determinationViewSchema, ...problemResponses, 409: problemSchema, 412: problemSchema, 428: problemSchema },
      },
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match']
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the determination you read')
      const { id, did } = request.params
      const view = await audited(
        app,
        request,
        (trx, recordAudit) => changeDraft(trx, actorOf(request), id, did, versionFromIfMatch(ifMatch), request.body, recordAudit),
        { caseId: id },
      )
      return reply.header('etag', etagOf(view.version)).send(view as View)
    },
  )

  routes.post(
    '/cases/:id/determinations/:did/decision',
    {
      config: { contract: { audit: 'determination.decide', changes: true } },
      schema: {
        tags: ['best interests'],
        summary:
          'Decide a draft (If-Match with the draft’s ETag): needs two distinct panel members with undertakings signed before the decision, the child’s views and a rationale',
        description:
          'The decision is dated neither in the future nor before the draft was opened. A case has at most one decided determination ' +
          'that is not superseded: a later decision must supersede it (supersedesId), or it is refused (409, code decided_determination_exists).',
        params: determinationParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: decisionSchema,
        response: {
          200: determinationViewSchema,
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
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the draft you read')
      const { id, did } = request.params
      const view = await audited(
        app,
        request,
        (trx, recordAudit) => decideDetermination(trx, actorOf(request), id, did, versionFromIfMatch(ifMatch), request.body, recordAudit),
        { caseId: id },
      )
      return reply.header('etag', etagOf(view.version)).send(view as View)
    },
  )
}
