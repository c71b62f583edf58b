import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { answerLanguage } from '../plugins/language.js'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audited } from '../audit/audited.js'
import { casePatchSchema, derivedFieldsIn, newCaseSchema } from '../cases/case-sections.js'
import { caseIdParamsSchema, caseListQuerySchema, caseListSchema, caseViewSchema, createdCaseSchema } from '../cases/case.schemas.js'
import { type CaseActor, type OpenCase, createCase, listCases, patchCase, readCase } from '../cases/case.service.js'
import { etagOf, versionFromIfMatch } from '../cases/case-view.js'
import { nextStagesOf } from '../lifecycle/next-stages.js'
import type { GuardFacts } from '../lifecycle/guard.repository.js'
import { createOnce, idempotencyKeyHeaders } from '../cases/idempotency.js'
import { loadChildRefKey } from '../cases/child-ref.js'
import { CursorCodec } from '../cases/case-search.js'
import { AppError } from '../http/problem.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'

export const actorOf = (request: FastifyRequest): CaseActor => ({
  principal: request.principal,
  ability: request.ability,
  scope: request.server.policy.scopes[request.principal.role],
  requestId: request.id,
})

/** Derived fields are read-only for everyone: a write to one is a 400 naming them. */
async function refuseDerivedFields(request: FastifyRequest): Promise<void> {
  const derived = derivedFieldsIn(request.body)
  if (derived.length > 0) {
    throw new AppError('read-only-field', `These fields are derived and cannot be written: ${derived.join(', ')}`, {
      readOnlyFields: derived,
    })
  }
}

export async function caseRoutes(app: FastifyInstance, options: { childRefSecret: string | undefined }): Promise<void> {
  const childRefKey = await loadChildRefKey(app.db, options.childRefSecret)
  const routes = app.withTypeProvider<ZodTypeProvider>()
  const cursors = new CursorCodec(childRefKey)

  routes.post(
    '/cases',
    {
      config: { contract: { audit: 'case.create', changes: true } },
      preValidation: refuseDerivedFields,
      schema: {
        tags: ['cases'],
        summary: 'Open a case from its sections; answers the case as the creator may read it',
        headers: idempotencyKeyHeaders,
        body: newCaseSchema,
        response: { 201: createdCaseSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const result = await audited(app, request, async (trx, recordAudit) => {
        return createOnce(trx, request, reply, null, {
          create: (newId) => createCase(trx, actorOf(request), request.body, { id: newId, childRefKey }, recordAudit),
          replay: async (existing) => ({ ...(await readCase(trx, actorOf(request), existing, recordAudit)), possibleDuplicates: [] }),
        })
      })
      return reply
        .code(201)
        .header('etag', etagOf(result.version))
        .header('location', `/cases/${result.view.id ?? ''}`)
        .send({ ...result.view, possibleDuplicates: result.possibleDuplicates })
    },
  )

  routes.get(
    '/cases/:id',
    {
      config: { contract: { audit: 'case.read', changes: false } },
      schema: {
        tags: ['cases'],
        summary: 'Read a case: only the sections and fields the caller may read',
        params: caseIdParamsSchema,
        response: { 200: caseViewSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const actor = actorOf(request)
      // The single read guides: the next stage the reader may move the case to, and what it still lacks.
      const guidance = (open: OpenCase, facts: GuardFacts | undefined) => ({
        nextStages: nextStagesOf(app.policy, open, actor.principal.role, request.language, facts),
      })
      const result = await audited(app, request, (trx, recordAudit) => readCase(trx, actor, id, recordAudit, guidance), { caseId: id })
      // nextStages speaks the request's language.
      answerLanguage(reply)
      return reply.header('etag', etagOf(result.version)).send(result.view)
    },
  )

  routes.patch(
    '/cases/:id',
    {
      config: { contract: { audit: 'case.update', changes: true } },
      preValidation: refuseDerivedFields,
      schema: {
        tags: ['cases'],
        summary: 'Change sections of a case (If-Match required); fields given replace stored ones, null clears',
        params: caseIdParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: casePatchSchema,
        response: { 200: caseViewSchema, ...problemResponses, 412: problemSchema, 428: problemSchema },
      },
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match']
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the case you read')
      const { id } = request.params
      const result = await audited(
        app,
        request,
        (trx, recordAudit) => patchCase(trx, actorOf(request), id, versionFromIfMatch(ifMatch), request.body, recordAudit),
        { caseId: id },
      )
      return reply.header('etag', etagOf(result.version)).send(result.view)
    },
  )

  routes.get(
    '/cases',
    {
      config: { contract: { audit: 'case.list', changes: false } },
      schema: {
        tags: ['cases'],
        summary:
          'Search the cases in the caller’s scope (newest first, or by similarity to q, or as sort says), each filtered like a single read',
        querystring: caseListQuerySchema,
        response: { 200: caseListSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...parameters } = request.query
      // Serialised by the route's own compiled serializer (reply.serialize), which writes only the
      // properties caseListSchema declares, before the audit wait (listCases says why).
      const body = await audited(app, request, (trx, recordAudit) =>
        listCases(trx, actorOf(request), { limit, cursor, parameters }, cursors, recordAudit, (page) =>
          Buffer.from(reply.serialize(page) as string),
        ),
      )
      // Already serialised: the reply sends the bytes as they are (typed as the plain reply it then is).
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(body)
    },
  )
}
