import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { createOnce, idempotencyKeyHeaders } from '../cases/idempotency.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { pageQuerySchema } from '../http/pagination.js'
import { idFromCursor } from '../records/record-cursor.js'
import {
  caseReferralParamsSchema,
  newReferralSchema,
  referralCompletionSchema,
  referralDeclineSchema,
  referralInboxQuerySchema,
  referralListSchema,
  referralParamsSchema,
  referralViewSchema,
} from '../records/referral.schemas.js'
import {
  acceptReferral,
  completeReferral,
  createReferral,
  declineReferral,
  listCaseReferrals,
  listReferralInbox,
  readCaseReferral,
  readReferralStub,
} from '../records/referral.service.js'
import { actorOf } from './cases.js'

const REFUSALS =
  'A refusal carries a `reason`: 403 legal_basis_requires_protection_officer, not_receiver, role; 409 already_participant, referral_pending, referral_already_decided, referral_not_accepted; 422 consent_required, consent_not_found, consent_withdrawn, consent_scope_missing, sections_required, unknown_section, duplicate_section, section_not_covered, respond_by_in_past, respond_by_too_far, referral_to_self, unknown_organization, organization_cannot_participate, organization_cannot_receive_referrals, reason_required.'

/** Referrals of a case to another organisation for a service: asked for, answered, completed. */
export async function referralRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/cases/:id/referrals',
    {
      config: { contract: { audit: 'referral.create', changes: true } },
      schema: {
        tags: ['referrals'],
        summary: 'Refer a case to another organisation for a service, naming the sections it needs',
        description: `On a consent of this case whose scopes include sharing, or (protection officers) a legal basis. The receiver sees only a stub until it accepts. ${REFUSALS}`,
        params: caseIdParamsSchema,
        headers: idempotencyKeyHeaders,
        body: newReferralSchema,
        response: { 201: referralViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const { id: caseId } = request.params
      const referral = await audited(
        app,
        request,
        (trx, recordAudit) =>
          createOnce(trx, request, reply, caseId, {
            create: (newId) => createReferral(trx, actorOf(request), caseId, request.body, { id: newId }, recordAudit),
            replay: (existing) => readCaseReferral(trx, actorOf(request), caseId, existing, recordAudit),
          }),
        { caseId },
      )
      return reply.code(201).header('location', `/cases/${caseId}/referrals/${referral.id}`).send(referral)
    },
  )

  routes.get(
    '/cases/:id/referrals',
    {
      config: { contract: { audit: 'referral.list', changes: false } },
      schema: {
        tags: ['referrals'],
        summary: 'The referrals of a case, oldest first',
        description: 'For the organisations that take part in the case; free text only where its section is open to the reader.',
        params: caseIdParamsSchema,
        querystring: pageQuerySchema,
        response: { 200: referralListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId } = request.params
      const { limit, cursor } = request.query
      return audited(
        app,
        request,
        (trx, recordAudit) => listCaseReferrals(trx, actorOf(request), caseId, { limit, after: idFromCursor(cursor) }, recordAudit),
        { caseId },
      )
    },
  )

  routes.get(
    '/cases/:id/referrals/:rid',
    {
      config: { contract: { audit: 'referral.read', changes: false } },
      schema: {
        tags: ['referrals'],
        summary: 'One referral of a case',
        params: caseReferralParamsSchema,
        response: { 200: referralViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id: caseId, rid } = request.params
      return audited(app, request, (trx, recordAudit) => readCaseReferral(trx, actorOf(request), caseId, rid, recordAudit), { caseId })
    },
  )

  routes.get(
    '/referrals',
    {
      config: { contract: { audit: 'referral.inbox', changes: false } },
      schema: {
        tags: ['referrals'],
        summary: "The referrals to the caller's organisation (incoming, the default) or from it (outgoing), as stubs",
        description:
          'A stub carries the case number, the childRef, the service, the sections, who asks and the dates: no case data. Outgoing lists only referrals of cases the organisation still takes part in.',
        querystring: referralInboxQuerySchema,
        response: { 200: referralListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { direction, status, limit, cursor } = request.query
      return audited(app, request, (trx, recordAudit) =>
        listReferralInbox(trx, actorOf(request), { direction, status, limit, after: idFromCursor(cursor) }, recordAudit),
      )
    },
  )

  routes.get(
    '/referrals/:rid',
    {
      config: { contract: { audit: 'referral.read', changes: false } },
      schema: {
        tags: ['referrals'],
        summary: 'A referral to or from the caller’s organisation, as a stub',
        params: referralParamsSchema,
        response: { 200: referralViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { rid } = request.params
      return audited(app, request, (trx, recordAudit) => readReferralStub(trx, actorOf(request), rid, recordAudit))
    },
  )

  routes.post(
    '/referrals/:rid/accept',
    {
      config: { contract: { audit: 'referral.accept', changes: true } },
      schema: {
        tags: ['referrals'],
        summary: 'Accept a referral: the organisation takes part in the case with the referred sections only',
        description: `Of concurrent answers exactly one wins; the others are 409. ${REFUSALS}`,
        params: referralParamsSchema,
        response: { 200: referralViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request) => {
      const { rid } = request.params
      return audited(app, request, (trx, recordAudit) => acceptReferral(trx, actorOf(request), rid, recordAudit))
    },
  )

  routes.post(
    '/referrals/:rid/decline',
    {
      config: { contract: { audit: 'referral.decline', changes: true } },
      schema: {
        tags: ['referrals'],
        summary: 'Decline a referral, with a reason',
        description: REFUSALS,
        params: referralParamsSchema,
        body: referralDeclineSchema,
        response: { 200: referralViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request) => {
      const { rid } = request.params
      return audited(app, request, (trx, recordAudit) => declineReferral(trx, actorOf(request), rid, request.body, recordAudit))
    },
  )

  routes.post(
    '/referrals/:rid/complete',
    {
      config: { contract: { audit: 'referral.complete', changes: true } },
      schema: {
        tags: ['referrals'],
        summary: 'Record an accepted referral’s service as completed, with its outcome',
        description: `By the receiver, after acceptance; the notes are free text of section notes. ${REFUSALS}`,
        params: referralParamsSchema,
        body: referralCompletionSchema,
        response: { 200: referralViewSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request) => {
      const { rid } = request.params
      return audited(app, request, (trx, recordAudit) => completeReferral(trx, actorOf(request), rid, request.body, recordAudit))
    },
  )
}
