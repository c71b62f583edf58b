import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audited } from '../audit/audited.js'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { etagOf, versionFromIfMatch } from '../cases/case-view.js'
import { createOnce, idempotencyKeyHeaders } from '../cases/idempotency.js'
import { AppError } from '../http/problem.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { pageQuerySchema } from '../http/pagination.js'
import {
  consentListSchema,
  consentParamsSchema,
  consentViewSchema,
  consentWithdrawalSchema,
  newConsentSchema,
} from '../records/consent.schemas.js'
import { createConsent, listConsents, readConsent, withdrawConsent } from '../records/consent.service.js'
import { idFromCursor } from '../records/record-cursor.js'
import { actorOf } from './cases.js'

/** Consents of the child or guardian (section `consent`): recorded, listed, withdrawn. */
export async function consentRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/consents',
    {
      config: { contract: { audit: 'consent.create', changes: true } },
      schema: {
        tags: ['consents'],
        summary: 'Record a consent given by the child or guardian, with its scopes and what it withholds',
        params: caseIdParamsSchema,
        headers: idempotencyKeyHeaders,
        body: newConsentSchema,
        response: { 201: consentViewSchema, ...problemResponses, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id: caseId } = request.params
      const result = await audited(
        app,
        request,
        async (trx, recordAudit) => {
          return createOnce(trx, request, reply, caseId, {
            create: (newId) => createConsent(trx, actorOf(request), caseId, request.body, { id: newId }, recordAudit),
            replay: (existing) => readConsent(trx, actorOf(request), caseId, existing, recordAudit),
          })
        },
        { caseId },
      )
      return reply
        .code(201)
        .header('etag', etagOf(result.version))
        .header('location', `/cases/${caseId}/consents/${result.view.id}`)
        .send(result.view)
    },
  )

  routes.get(
    '/cases/:id/consents',
    {
      config: { contract: { audit: 'consent.list', changes: false } },
      schema: {
        tags: ['consents'],
        summary: 'The consents of a case, oldest first',
        params: caseIdParamsSchema,
        querystring: pageQuerySchema,
        response: { 200: consentListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId } = request.params
      const { limit, cursor } = request.query
      return audited(
        app,
        request,
        (trx, recordAudit) => listConsents(trx, actorOf(request), caseId, { limit, after: idFromCursor(cursor) }, recordAudit),
        {
          caseId,
        },
      )
    },
  )

  routes.get(
    '/cases/:id/consents/:consentId',
    {
      config: { contract: { audit: 'consent.read', changes: false } },
      schema: {
        tags: ['consents'],
        summary: 'One consent, with its ETag',
        params: consentParamsSchema,
        response: { 200: consentViewSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id: caseId, consentId } = request.params
      const result = await audited(app, request, (trx, recordAudit) => readConsent(trx, actorOf(request), caseId, consentId, recordAudit), {
        caseId,
      })
      return reply.header('etag', etagOf(result.version)).send(result.view)
    },
  )

  routes.patch(
    '/cases/:id/consents/:consentId',
    {
      config: { contract: { audit: 'consent.withdraw', changes: true } },
      schema: {
        tags: ['consents'],
        summary: 'Withdraw a consent (If-Match required); a withdrawn consent no longer allows sharing',
        params: consentParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: consentWithdrawalSchema,
        response: {
          200: consentViewSchema,
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
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the consent you read')
      const { id: caseId, consentId } = request.params
      const result = await audited(
        app,
        request,
        (trx, recordAudit) =>
          withdrawConsent(trx, actorOf(request), caseId, consentId, versionFromIfMatch(ifMatch), request.body, recordAudit),
        { caseId },
      )
      return reply.header('etag', etagOf(result.version)).send(result.view)
    },
  )
}
