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
  endPlacementSchema,
  newPlacementSchema,
  placementListSchema,
  placementParamsSchema,
  placementViewSchema,
} from '../lifecycle/placement.schemas.js'
import { closePlacement, listCasePlacements, openPlacement, readPlacement } from '../lifecycle/placement.service.js'
import { actorOf } from './cases.js'

export async function placementRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/placements',
    {
      config: { contract: { audit: 'placement.create', changes: true } },
      schema: {
        tags: ['placements'],
        summary: 'Record where the child is placed now; the current placement ends when this one starts',
        params: caseIdParamsSchema,
        headers: idempotencyKeyHeaders,
        body: newPlacementSchema,
        response: { 201: placementViewSchema, ...problemResponses, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const view = await audited(
        app,
        request,
        async (trx, recordAudit) => {
          return createOnce(trx, request, reply, id, {
            create: (newId) => openPlacement(trx, actorOf(request), id, request.body, recordAudit, newId),
            replay: (existing) => readPlacement(trx, actorOf(request), id, existing, recordAudit),
          })
        },
        { caseId: id },
      )
      return reply
        .code(201)
        .header('etag', etagOf(view.version as number))
        .header('location', `/cases/${id}/placements/${String(view.id)}`)
        .send(view as z.infer<typeof placementViewSchema>)
    },
  )

  routes.get(
    '/cases/:id/placements',
    {
      config: { contract: { audit: 'placement.list', changes: false } },
      schema: {
        tags: ['placements'],
        summary: 'The placements of a case, newest first; facility name and address only for readers of contact',
        params: caseIdParamsSchema,
        response: { 200: placementListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params
      const page = await audited(app, request, (trx, recordAudit) => listCasePlacements(trx, actorOf(request), id, recordAudit), {
        caseId: id,
      })
      return page as z.infer<typeof placementListSchema>
    },
  )

  // The Location of a new placement: every created record has its GET route.
  routes.get(
    '/cases/:id/placements/:pid',
    {
      config: { contract: { audit: 'placement.read', changes: false } },
      schema: {
        tags: ['placements'],
        summary: 'One placement, with its ETag',
        params: placementParamsSchema,
        response: { 200: placementViewSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id, pid } = request.params
      const view = await audited(app, request, (trx, recordAudit) => readPlacement(trx, actorOf(request), id, pid, recordAudit), {
        caseId: id,
      })
      return reply.header('etag', etagOf(view.version as number)).send(view as z.infer<typeof placementViewSchema>)
    },
  )

  routes.patch(
    '/cases/:id/placements/:pid',
    {
      config: { contract: { audit: 'placement.update', changes: true } },
      schema: {
        tags: ['placements'],
        summary: 'End a placement (If-Match with the placement’s ETag)',
        params: placementParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: endPlacementSchema,
        response: {
          200: placementViewSchema,
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
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the placement you read')
      const { id, pid } = request.params
      const view = await audited(
        app,
        request,
        (trx, recordAudit) => closePlacement(trx, actorOf(request), id, pid, versionFromIfMatch(ifMatch), request.body, recordAudit),
        { caseId: id },
      )
      return reply.header('etag', etagOf(view.version as number)).send(view as z.infer<typeof placementViewSchema>)
    },
  )
}
