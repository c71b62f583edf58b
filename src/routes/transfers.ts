import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { pageQuerySchema } from '../http/pagination.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { idFromCursor } from '../records/record-cursor.js'
import {
  caseTransferParamsSchema,
  newTransferSchema,
  transferDeclineSchema,
  transferInboxQuerySchema,
  transferListSchema,
  transferParamsSchema,
  transferViewSchema,
} from '../records/transfer.schemas.js'
import {
  acceptTransfer,
  declineTransfer,
  listTransfers,
  readTransfer,
  requestTransfer,
  transferInbox,
} from '../records/transfer.service.js'
import { actorOf } from './cases.js'

const REFUSALS =
  'Refusals: 403 when the role or organisation may not (`reason`: role, not_lead, not_receiver); 404 outside scope; 409 when the state forbids it ' +
  '(transfer_pending, transfer_already_decided, lead_changed); 422 when the request is wrong (unknown_organization, organization_cannot_participate, ' +
  'handover_requires_child_protection_authority, handover_rests_on_law, organization_kind_not_allowed, transfer_to_self, consent_required, ' +
  'consent_not_found, consent_withdrawn, consent_scope_missing, reason_required).'

/** Hand-overs and transfers of responsibility: how a case moves between agencies. */
export async function transferRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/transfers',
    {
      config: { contract: { audit: 'case.transfer', changes: true } },
      schema: {
        tags: ['transfers'],
        summary: 'Hand a case over to child protection (migration officer) or transfer responsibility for it (the lead organisation)',
        description:
          'A migration officer may only hand a case over to a `child_protection_authority` organisation, on the law (legal basis ' +
          '`migration_law_handover`, no consent); it sets `custody.procuraduriaNotifiedAt` when unset. Any other transfer is requested ' +
          'by the lead organisation on a live consent whose scopes include sharing, or (protection officers) a legal basis. The ' +
          'receiver reads the case from the request on. ' +
          REFUSALS,
        params: caseIdParamsSchema,
        body: newTransferSchema,
        response: { 201: transferViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id: caseId } = request.params
      const transfer = await audited(
        app,
        request,
        (trx, recordAudit) => requestTransfer(trx, actorOf(request), caseId, request.body, recordAudit),
        { caseId },
      )
      return reply.code(201).header('location', `/cases/${caseId}/transfers/${transfer.id}`).send(transfer)
    },
  )

  routes.get(
    '/cases/:id/transfers',
    {
      config: { contract: { audit: 'transfer.list', changes: false } },
      schema: {
        tags: ['transfers'],
        summary: 'The transfers of a case, oldest first',
        params: caseIdParamsSchema,
        querystring: pageQuerySchema,
        response: { 200: transferListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId } = request.params
      const { limit, cursor } = request.query
      return audited(
        app,
        request,
        (trx, recordAudit) => listTransfers(trx, actorOf(request), caseId, { limit, after: idFromCursor(cursor) }, recordAudit),
        { caseId },
      )
    },
  )

  routes.get(
    '/cases/:id/transfers/:tid',
    {
      config: { contract: { audit: 'transfer.read', changes: false } },
      schema: {
        tags: ['transfers'],
        summary: 'One transfer of a case',
        params: caseTransferParamsSchema,
        response: { 200: transferViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId, tid } = request.params
      return audited(app, request, (trx, recordAudit) => readTransfer(trx, actorOf(request), caseId, tid, recordAudit), { caseId })
    },
  )

  routes.get(
    '/transfers',
    {
      config: { contract: { audit: 'transfer.inbox', changes: false } },
      schema: {
        tags: ['transfers'],
        summary: "The caller's organisation's transfers: incoming (its inbox) or outgoing, newest first",
        querystring: transferInboxQuerySchema,
        response: { 200: transferListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { direction, status, limit, cursor } = request.query
      return audited(app, request, (trx, recordAudit) =>
        transferInbox(trx, actorOf(request), { direction, status, limit, before: idFromCursor(cursor) }, recordAudit),
      )
    },
  )

  routes.post(
    '/transfers/:tid/accept',
    {
      config: { contract: { audit: 'transfer.accept', changes: true } },
      schema: {
        tags: ['transfers'],
        summary:
          'Accept a transfer (the receiving organisation): it becomes the lead; the former lead stays a participant on the transfer’s basis',
        description: REFUSALS,
        params: transferParamsSchema,
        response: { 200: transferViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request) => audited(app, request, (trx, recordAudit) => acceptTransfer(trx, actorOf(request), request.params.tid, recordAudit)),
  )

  routes.post(
    '/transfers/:tid/decline',
    {
      config: { contract: { audit: 'transfer.decline', changes: true } },
      schema: {
        tags: ['transfers'],
        summary:
          'Decline a transfer with a reason (the receiving organisation): its participation from the request ends, unless it took part before',
        description: REFUSALS,
        params: transferParamsSchema,
        body: transferDeclineSchema,
        response: { 200: transferViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request) =>
      audited(app, request, (trx, recordAudit) => declineTransfer(trx, actorOf(request), request.params.tid, request.body, recordAudit)),
  )
}
