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
import { newNoteSchema, noteListSchema, noteParamsSchema, notePatchSchema, noteViewSchema } from '../records/note.schemas.js'
import { createNote, listNotes, patchNote, readNote } from '../records/note.service.js'
import { idFromCursor } from '../records/record-cursor.js'
import { actorOf } from './cases.js'

/** Case notes (section `notes`). */
export async function noteRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/notes',
    {
      config: { contract: { audit: 'note.create', changes: true } },
      schema: {
        tags: ['notes'],
        summary: 'Add a note to a case',
        params: caseIdParamsSchema,
        headers: idempotencyKeyHeaders,
        body: newNoteSchema,
        response: { 201: noteViewSchema, ...problemResponses, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id: caseId } = request.params
      const result = await audited(
        app,
        request,
        async (trx, recordAudit) => {
          return createOnce(trx, request, reply, caseId, {
            create: (newId) => createNote(trx, actorOf(request), caseId, request.body, { id: newId }, recordAudit),
            replay: (existing) => readNote(trx, actorOf(request), caseId, existing, recordAudit),
          })
        },
        { caseId },
      )
      return reply
        .code(201)
        .header('etag', etagOf(result.version))
        .header('location', `/cases/${caseId}/notes/${result.view.id}`)
        .send(result.view)
    },
  )

  routes.get(
    '/cases/:id/notes',
    {
      config: { contract: { audit: 'note.list', changes: false } },
      schema: {
        tags: ['notes'],
        summary: 'The notes of a case, newest first',
        params: caseIdParamsSchema,
        querystring: pageQuerySchema,
        response: { 200: noteListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId } = request.params
      const { limit, cursor } = request.query
      return audited(
        app,
        request,
        (trx, recordAudit) => listNotes(trx, actorOf(request), caseId, { limit, before: idFromCursor(cursor) }, recordAudit),
        {
          caseId,
        },
      )
    },
  )

  routes.get(
    '/cases/:id/notes/:noteId',
    {
      config: { contract: { audit: 'note.read', changes: false } },
      schema: {
        tags: ['notes'],
        summary: 'One note, with its ETag',
        params: noteParamsSchema,
        response: { 200: noteViewSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id: caseId, noteId } = request.params
      const result = await audited(app, request, (trx, recordAudit) => readNote(trx, actorOf(request), caseId, noteId, recordAudit), {
        caseId,
      })
      return reply.header('etag', etagOf(result.version)).send(result.view)
    },
  )

  routes.patch(
    '/cases/:id/notes/:noteId',
    {
      config: { contract: { audit: 'note.update', changes: true } },
      schema: {
        tags: ['notes'],
        summary: 'Change a note (If-Match required)',
        params: noteParamsSchema,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: notePatchSchema,
        response: { 200: noteViewSchema, ...problemResponses, 412: problemSchema, 428: problemSchema },
      },
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match']
      if (!ifMatch) throw new AppError('precondition-required', 'Send If-Match with the ETag of the note you read')
      const { id: caseId, noteId } = request.params
      const result = await audited(
        app,
        request,
        (trx, recordAudit) => patchNote(trx, actorOf(request), caseId, noteId, versionFromIfMatch(ifMatch), request.body, recordAudit),
        { caseId },
      )
      return reply.header('etag', etagOf(result.version)).send(result.view)
    },
  )
}
