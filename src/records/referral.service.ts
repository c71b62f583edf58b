import type { Kysely } from 'kysely'
import { detailText } from '../i18n/messages.js'
import { v7 as uuidv7 } from 'uuid'
import { readableFields } from '../access/abilities.js'
import type { CaseAccess } from '../access/case-access.js'
import {
  CONSENT_RECORD,
  NOTE_RECORD,
  PARTICIPATION_RECORD,
  REFERRAL_RECORD,
  pickReadable,
  policyFieldsOf,
  readableRecordFields,
} from '../access/record-classes.js'
import type { RecordAudit } from '../audit/audited.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { iso } from '../http/iso-time.js'
import type { Page } from '../http/pagination.js'
import { AppError, notFound } from '../http/problem.js'
import { findConsent } from './consent.repository.js'
import { SHARING_SCOPE } from './consent.schemas.js'
import { insertParticipation } from './participant.repository.js'
import { requireParticipatingOrganization } from './participant.service.js'
import { cursorOfId } from './record-cursor.js'
import {
  type ReferralFreeText,
  type ReferralRow,
  endAcceptedReferralsWithoutParticipation,
  endPendingReferralsOnConsent,
  findReferral,
  findReferralOfCase,
  insertReferral,
  listReferralsOfCase,
  listReferralsOfOrganization,
  lockReferral,
  markAccepted,
  markCompleted,
  markDeclined,
  participatesIn,
} from './referral.repository.js'
import {
  REFERABLE_SECTIONS,
  type NewReferralInput,
  type ReferralCompletionInput,
  type ReferralDeclineInput,
  type ReferralStatus,
  type ReferralView,
} from './referral.schemas.js'

/** Who takes part in a case: a referral is recorded under the case's own participation field. */
const REFERRAL_FIELD = REFERRAL_RECORD.anchor
const NOTES_FIELD = NOTE_RECORD.anchor
const CONSENT_FIELD = CONSENT_RECORD.anchor
const CITATION_FIELD = REFERRAL_RECORD.fields.legalBasisCitation

type ReferralField = keyof typeof REFERRAL_RECORD.fields

/** The fields of the stub: what a receiver learns before it accepts, and what every inbox lists. */
const STUB_FIELDS: readonly ReferralField[] = [
  'id',
  'caseId',
  'caseNumber',
  'childRef',
  'fromOrganizationId',
  'fromOrganizationName',
  'toOrganizationId',
  'toOrganizationName',
  'service',
  'sections',
  'respondBy',
  'status',
  'requestedAt',
  'decidedAt',
  'outcome',
  'completedAt',
  'endedAt',
  'endReason',
]

/** The matrix fields a stub discloses, for the audit trail. */
const STUB_POLICY_FIELDS = policyFieldsOf(REFERRAL_RECORD, STUB_FIELDS)

/** How far ahead a respond-by date may lie: a year is longer than any service waits for an answer. */
const MAX_RESPOND_DAYS = 366

/** Organisations that take no referral for a service: the migration authority gives none of them. */
const NON_RECEIVING_KINDS = ['migration_authority']

/** Why a referral was refused, as a stable code a client can branch on. */
export type ReferralRefusal =
  | 'consent_required'
  | 'consent_not_found'
  | 'consent_withdrawn'
  | 'consent_scope_missing'
  | 'legal_basis_requires_protection_officer'
  | 'sections_required'
  | 'unknown_section'
  | 'duplicate_section'
  | 'section_not_covered'
  | 'respond_by_in_past'
  | 'respond_by_too_far'
  | 'referral_to_self'
  | 'organization_cannot_receive_referrals'
  | 'already_participant'
  | 'referral_pending'
  | 'referral_already_decided'
  | 'referral_not_accepted'
  | 'reason_required'
  | 'not_receiver'

const REFUSALS: Readonly<Record<ReferralRefusal, readonly [code: 'forbidden' | 'conflict' | 'unprocessable-entity', detail: string]>> = {
  consent_required: [
    'unprocessable-entity',
    detailText('A referral needs a consent whose scopes include sharing, or a legal basis given by a protection officer'),
  ],
  consent_not_found: ['unprocessable-entity', detailText('The consent is not one recorded for this case')],
  consent_withdrawn: ['unprocessable-entity', detailText('The consent has been withdrawn and no longer allows a referral')],
  consent_scope_missing: ['unprocessable-entity', detailText(`The consent's scopes do not include ${SHARING_SCOPE}`)],
  legal_basis_requires_protection_officer: ['forbidden', detailText('Only a protection officer may refer a case on a legal basis')],
  sections_required: ['unprocessable-entity', detailText('A referral names at least one section the receiver needs')],
  unknown_section: ['unprocessable-entity', detailText(`sections may only name: ${REFERABLE_SECTIONS.join(', ')}`)],
  duplicate_section: ['unprocessable-entity', detailText('Each section at most once')],
  section_not_covered: ['unprocessable-entity', detailText('A referral may only pass on sections your organisation may read on this case')],
  respond_by_in_past: ['unprocessable-entity', detailText('respondBy cannot be in the past')],
  respond_by_too_far: ['unprocessable-entity', detailText(`respondBy cannot be more than ${MAX_RESPOND_DAYS} days ahead`)],
  referral_to_self: ['unprocessable-entity', detailText('An organisation does not refer a case to itself')],
  organization_cannot_receive_referrals: [
    'unprocessable-entity',
    detailText('An organisation of this kind does not receive referrals for a service'),
  ],
  already_participant: ['conflict', detailText('This organisation already participates in the case')],
  referral_pending: ['conflict', detailText('A referral of this case to this organisation is already pending')],
  referral_already_decided: ['conflict', detailText('This referral has already been decided')],
  referral_not_accepted: ['conflict', detailText('Only an accepted referral can be completed')],
  reason_required: ['unprocessable-entity', detailText('A decline needs a reason')],
  not_receiver: ['forbidden', detailText('Only the organisation the case was referred to may answer the referral')],
}

function refuse(reason: ReferralRefusal, extensions: Record<string, unknown> = {}): never {
  const [code, detail] = REFUSALS[reason]
  throw new AppError(code, detail, { reason, ...extensions })
}

function toReferralView(row: ReferralRow): Record<ReferralField, unknown> {
  return {
    id: row.id,
    caseId: row.case_id,
    caseNumber: row.case_number,
    childRef: row.child_ref,
    fromOrganizationId: row.from_organization_id,
    fromOrganizationName: row.from_organization_name,
    toOrganizationId: row.to_organization_id,
    toOrganizationName: row.to_organization_name,
    service: row.service,
    sections: row.sections,
    respondBy: row.respond_by,
    status: row.status,
    requestedAt: iso(row.requested_at),
    decidedAt: iso(row.decided_at),
    outcome: row.outcome,
    completedAt: iso(row.completed_at),
    endedAt: iso(row.ended_at),
    endReason: row.end_reason,
    requestedBy: row.requested_by,
    consentId: row.consent_id,
    legalBasis: null, // caseReaderView sets it, with the citation where it is readable
    legalBasisCitation: null,
    decidedBy: row.decided_by,
    declineReason: row.decline_reason ?? null,
    completionNotes: row.completion_notes ?? null,
    completedBy: row.completed_by,
    participationId: row.participation_id,
  }
}

/** The referral as a reader of the case sees it: each field only where its section is open. */
function caseReaderView(row: ReferralRow, readable: ReadonlySet<ReferralField>): ReferralView {
  const view = toReferralView(row)
  view.legalBasis = row.legal_basis_code
    ? {
        code: row.legal_basis_code,
        ...(readable.has('legalBasisCitation') ? { citation: row.legal_basis_citation ?? null } : {}),
      }
    : null
  delete (view as Partial<typeof view>).legalBasisCitation
  return pickReadable(view, readable) as ReferralView
}

/** The stub: the case's number and pseudonym where the role reads them at all, and nothing of its sections. */
function stubView(actor: CaseActor, row: ReferralRow): ReferralView {
  const roleReads = new Set(readableFields(actor.ability))
  const fields = STUB_FIELDS.filter(
    (field) => roleReads.has(REFERRAL_RECORD.fields[field]) || REFERRAL_RECORD.fields[field] === REFERRAL_FIELD,
  )
  return pickReadable(toReferralView(row), new Set(fields)) as ReferralView
}

const freeTextFor = (readable: ReadonlySet<ReferralField>): ReferralFreeText => ({
  withCitation: readable.has('legalBasisCitation'),
  withNotes: readable.has('declineReason'),
})

const auditFieldsOf = (readable: ReadonlySet<ReferralField>) => policyFieldsOf(REFERRAL_RECORD, readable)

/** Today's date where the service is used: a respond-by date of today is not yet past in Mexico. */
function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Mexico_City', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  )
}

function addDays(date: string, days: number): string {
  const value = new Date(`${date}T00:00:00Z`)
  value.setUTCDate(value.getUTCDate() + days)
  return value.toISOString().slice(0, 10)
}

/** The sections named must exist, once each, and be open to the referring organisation on this case. */
function checkSections(access: CaseAccess, sections: readonly string[]): void {
  if (sections.length === 0) refuse('sections_required')
  const unknown = sections.filter((section) => !REFERABLE_SECTIONS.includes(section))
  if (unknown.length > 0) refuse('unknown_section', { sections: unknown.filter((section) => /^[A-Za-z]{1,40}$/.test(section)) })
  if (new Set(sections).size !== sections.length) refuse('duplicate_section')
  const closed = sections.filter((section) => access.wallOf(section) !== undefined)
  if (closed.length > 0) refuse('section_not_covered', { sections: closed })
}

/** The ground of a referral: a live consent of this case covering sharing (held against withdrawal), or a protection officer's legal basis. */
async function requireReferralGround(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: Pick<NewReferralInput, 'consentId' | 'legalBasis'>,
): Promise<void> {
  if (input.legalBasis !== undefined) {
    if (actor.principal.role !== 'protection_officer') refuse('legal_basis_requires_protection_officer')
    return
  }
  if (input.consentId === undefined) refuse('consent_required')
  await requireLiveSharingConsent(db, caseId, input.consentId)
}

async function requireLiveSharingConsent(db: Kysely<Database>, caseId: string, consentId: string): Promise<void> {
  const consent = await findConsent(db, caseId, consentId, 'share')
  if (!consent) refuse('consent_not_found')
  if (consent.withdrawn_at) refuse('consent_withdrawn')
  if (!consent.scopes.includes(SHARING_SCOPE)) refuse('consent_scope_missing')
}

export async function createReferral(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewReferralInput,
  options: { id?: string },
  recordAudit: RecordAudit,
): Promise<ReferralView> {
  const { row: caseRow, access } = await openCase(db, actor, caseId)
  access.requireAction('refer', 'refer cases')
  if (input.legalBasis !== undefined && actor.principal.role !== 'protection_officer') refuse('legal_basis_requires_protection_officer')
  checkSections(access, input.sections)
  const now = today()
  if (input.respondBy < now) refuse('respond_by_in_past')
  if (input.respondBy > addDays(now, MAX_RESPOND_DAYS)) refuse('respond_by_too_far')
  const organization = await requireParticipatingOrganization(db, input.toOrganizationId)
  if (organization.id === actor.principal.organizationId) refuse('referral_to_self')
  if (NON_RECEIVING_KINDS.includes(organization.kind)) refuse('organization_cannot_receive_referrals')
  if (caseRow.participant_organization_ids.includes(organization.id)) refuse('already_participant')
  await requireReferralGround(db, actor, caseId, input)

  const id = await insertReferral(db, {
    id: options.id ?? uuidv7(),
    case_id: caseId,
    from_organization_id: actor.principal.organizationId,
    to_organization_id: organization.id,
    service: input.service,
    sections: [...input.sections],
    consent_id: input.consentId ?? null,
    legal_basis_code: input.legalBasis?.code ?? null,
    legal_basis_citation: input.legalBasis?.citation ?? null,
    respond_by: input.respondBy,
    requested_by: actor.principal.userId,
  })
  if (!id) refuse('referral_pending')
  const entry = { case_id: caseId, old_value: null, actor_id: actor.principal.userId, request_id: actor.requestId }
  await insertHistory(db, [
    {
      ...entry,
      field: REFERRAL_FIELD,
      new_value: {
        referralId: id,
        status: 'pending',
        toOrganizationId: organization.id,
        service: input.service,
        sections: input.sections,
        consentId: input.consentId ?? null,
        legalBasisCode: input.legalBasis?.code ?? null,
        respondBy: input.respondBy,
      },
    },
    // The citation is free text of section legal: its entry is its own, under that section.
    ...(input.legalBasis?.citation
      ? [{ ...entry, field: CITATION_FIELD, new_value: { referralId: id, legalBasisCitation: input.legalBasis.citation } }]
      : []),
  ])
  const readable = readableRecordFields(access, REFERRAL_RECORD)
  const row = (await findReferralOfCase(db, caseId, id, freeTextFor(readable))) as ReferralRow
  await recordAudit({
    caseIds: [caseId],
    fields: [REFERRAL_FIELD, ...(input.consentId ? [CONSENT_FIELD] : [])],
    targetOrganizationId: organization.id,
  })
  return caseReaderView(row, readable)
}

export async function readCaseReferral(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  referralId: string,
  recordAudit: RecordAudit,
): Promise<ReferralView> {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, REFERRAL_RECORD)
  const row = await findReferralOfCase(db, caseId, referralId, freeTextFor(readable))
  if (!row) throw notFound('referral')
  await recordAudit({ caseIds: [caseId], fields: auditFieldsOf(readable) })
  return caseReaderView(row, readable)
}

export async function listCaseReferrals(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<ReferralView>> {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, REFERRAL_RECORD)
  const rows = await listReferralsOfCase(db, caseId, { limit: query.limit + 1, after: query.after, ...freeTextFor(readable) })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: auditFieldsOf(readable) })
  const last = page.at(-1)
  return {
    items: page.map((row) => caseReaderView(row, readable)),
    nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null,
  }
}

/**
 * A referral as its receiver or its sender sees it outside the case: the stub. The receiver sees
 * it from the request on; the sender while it still takes part in the case. Anyone else: 404.
 */
async function referralOfOrganization(db: Kysely<Database>, actor: CaseActor, referralId: string): Promise<ReferralRow> {
  const row = await findReferral(db, referralId)
  const organizationId = actor.principal.organizationId
  if (!row) throw notFound('referral')
  if (row.to_organization_id === organizationId) return row
  if (row.from_organization_id === organizationId && (await participatesIn(db, row.case_id, organizationId))) return row
  throw notFound('referral')
}

export async function readReferralStub(
  db: Kysely<Database>,
  actor: CaseActor,
  referralId: string,
  recordAudit: RecordAudit,
): Promise<ReferralView> {
  const row = await referralOfOrganization(db, actor, referralId)
  await recordAudit({ caseIds: [row.case_id], fields: STUB_POLICY_FIELDS })
  return stubView(actor, row)
}

export async function listReferralInbox(
  db: Kysely<Database>,
  actor: CaseActor,
  query: { direction: 'incoming' | 'outgoing'; status: ReferralStatus | undefined; limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<ReferralView>> {
  const rows = await listReferralsOfOrganization(db, actor.principal.organizationId, { ...query, limit: query.limit + 1 })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [...new Set(page.map((row) => row.case_id))], fields: page.length > 0 ? STUB_POLICY_FIELDS : [] })
  const last = page.at(-1)
  return { items: page.map((row) => stubView(actor, row)), nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null }
}

/**
 * The referral its receiver answers: 404 unless the caller's organisation is its receiver (the
 * sender, who sees it, is told it may not answer), 403 for a role that handles no referrals.
 */
async function referralToAnswer(db: Kysely<Database>, actor: CaseActor, referralId: string): Promise<ReferralRow> {
  const row = await referralOfOrganization(db, actor, referralId)
  if (row.to_organization_id !== actor.principal.organizationId) refuse('not_receiver')
  if (!actor.ability.can('refer', 'Case')) throw new AppError('forbidden', 'Your role may not answer referrals', { reason: 'role' })
  return row
}

/** Locks the referral (a concurrent decision waits, then finds it decided) and checks its status. */
async function lockInStatus(db: Kysely<Database>, referralId: string, expected: ReferralStatus, otherwise: ReferralRefusal) {
  const locked = await lockReferral(db, referralId)
  if (!locked) throw notFound('referral')
  if (locked.status !== expected) refuse(otherwise, { referralStatus: locked.status })
  return locked
}

/**
 * Acceptance: the receiver participates from now on, with the referred sections only, on the
 * referral's consent or legal basis. The consent is held before the referral is locked, in the same
 * order a withdrawal takes them, so the two never wait on each other in a circle.
 */
export async function acceptReferral(
  db: Kysely<Database>,
  actor: CaseActor,
  referralId: string,
  recordAudit: RecordAudit,
): Promise<ReferralView> {
  const row = await referralToAnswer(db, actor, referralId)
  if (row.consent_id && row.status === 'pending') await requireLiveSharingConsent(db, row.case_id, row.consent_id)
  await lockInStatus(db, referralId, 'pending', 'referral_already_decided')
  const organizationId = actor.principal.organizationId
  if (await participatesIn(db, row.case_id, organizationId)) refuse('already_participant')
  const basis = row.consent_id ? 'consent' : 'legal_basis'
  const full = (await findReferral(db, referralId, { withCitation: true, withNotes: false })) as ReferralRow
  const participationId = await insertParticipation(db, {
    organization_id: organizationId,
    case_id: row.case_id,
    basis,
    consent_id: row.consent_id,
    legal_basis_code: row.legal_basis_code,
    legal_basis_citation: full.legal_basis_citation ?? null,
    sections: [...row.sections],
    // The referrer granted what the receiver may read; the receiver's acceptance is the history's actor.
    granted_by: row.requested_by,
  })
  if (!participationId) refuse('already_participant')
  await markAccepted(db, referralId, actor.principal.userId, participationId)
  const entry = { case_id: row.case_id, actor_id: actor.principal.userId, request_id: actor.requestId }
  await insertHistory(db, [
    {
      ...entry,
      field: REFERRAL_FIELD,
      old_value: { referralId, status: 'pending' },
      new_value: { referralId, status: 'accepted', participationId },
    },
    {
      ...entry,
      field: PARTICIPATION_RECORD.anchor,
      old_value: null,
      new_value: { participationId, organizationId, basis, legalBasisCode: row.legal_basis_code, sections: row.sections, referralId },
    },
  ])
  // The receiver now takes part: it reads the referral as any participant does, through the rule.
  const { access } = await openCase(db, actor, row.case_id)
  const readable = readableRecordFields(access, REFERRAL_RECORD)
  const accepted = (await findReferralOfCase(db, row.case_id, referralId, freeTextFor(readable))) as ReferralRow
  await recordAudit({
    caseIds: [row.case_id],
    fields: [REFERRAL_FIELD, ...(row.consent_id ? [CONSENT_FIELD] : [])],
    targetOrganizationId: organizationId,
  })
  return caseReaderView(accepted, readable)
}

export async function declineReferral(
  db: Kysely<Database>,
  actor: CaseActor,
  referralId: string,
  input: ReferralDeclineInput,
  recordAudit: RecordAudit,
): Promise<ReferralView> {
  const row = await referralToAnswer(db, actor, referralId)
  const reason = input.reason?.trim()
  if (!reason) refuse('reason_required')
  await lockInStatus(db, referralId, 'pending', 'referral_already_decided')
  await markDeclined(db, referralId, actor.principal.userId, reason)
  const entry = { case_id: row.case_id, actor_id: actor.principal.userId, request_id: actor.requestId }
  await insertHistory(db, [
    { ...entry, field: REFERRAL_FIELD, old_value: { referralId, status: 'pending' }, new_value: { referralId, status: 'declined' } },
    { ...entry, field: NOTES_FIELD, old_value: null, new_value: { referralId, declineReason: reason } },
  ])
  await recordAudit({ caseIds: [row.case_id], fields: [REFERRAL_FIELD, NOTES_FIELD] })
  return stubView(actor, (await findReferral(db, referralId)) as ReferralRow)
}

/** The receiver records the service as given; its notes are free text of section notes, written only where that section is open to it. */
export async function completeReferral(
  db: Kysely<Database>,
  actor: CaseActor,
  referralId: string,
  input: ReferralCompletionInput,
  recordAudit: RecordAudit,
): Promise<ReferralView> {
  const row = await referralToAnswer(db, actor, referralId)
  await lockInStatus(db, referralId, 'accepted', 'referral_not_accepted')
  const { access } = await openCase(db, actor, row.case_id)
  if (input.notes !== undefined && !access.canWrite('create', NOTES_FIELD)) {
    throw new AppError('forbidden-fields', `You may not write: ${NOTES_FIELD}`, { deniedFields: [NOTES_FIELD] })
  }
  await markCompleted(db, referralId, actor.principal.userId, input.outcome, input.notes ?? null)
  const entry = { case_id: row.case_id, actor_id: actor.principal.userId, request_id: actor.requestId }
  await insertHistory(db, [
    {
      ...entry,
      field: REFERRAL_FIELD,
      old_value: { referralId, status: 'accepted' },
      new_value: { referralId, status: 'completed', outcome: input.outcome },
    },
    ...(input.notes ? [{ ...entry, field: NOTES_FIELD, old_value: null, new_value: { referralId, completionNotes: input.notes } }] : []),
  ])
  const readable = readableRecordFields(access, REFERRAL_RECORD)
  const completed = (await findReferralOfCase(db, row.case_id, referralId, freeTextFor(readable))) as ReferralRow
  await recordAudit({ caseIds: [row.case_id], fields: [REFERRAL_FIELD, ...(input.notes ? [NOTES_FIELD] : [])] })
  return caseReaderView(completed, readable)
}

/**
 * Accepted referrals of the case whose participation has ended become `ended`, with a history entry
 * each, in the caller's transaction. Whatever ends a participation calls this (the end of
 * participation, a consent's withdrawal).
 */
export async function endReferralsOfEndedParticipations(
  db: Kysely<Database>,
  actor: Pick<CaseActor, 'principal' | 'requestId'>,
  caseId: string,
): Promise<string[]> {
  const ended = await endAcceptedReferralsWithoutParticipation(db, caseId)
  await insertHistory(
    db,
    ended.map((referral) => ({
      case_id: caseId,
      field: REFERRAL_FIELD,
      old_value: { referralId: referral.id, status: 'accepted' },
      new_value: { referralId: referral.id, status: 'ended', endReason: 'participation_ended' },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    })),
  )
  return ended.map((referral) => referral.id)
}

/**
 * A consent's withdrawal (records/consent.service.ts) calls this in its transaction, after it has
 * ended the participations resting on the consent: the pending referrals resting on it end, and so
 * do the accepted referrals whose participation just ended.
 */
export async function endReferralsOnConsentWithdrawal(
  db: Kysely<Database>,
  actor: Pick<CaseActor, 'principal' | 'requestId'>,
  caseId: string,
  consentId: string,
): Promise<string[]> {
  const pending = await endPendingReferralsOnConsent(db, consentId)
  await insertHistory(
    db,
    pending.map((referral) => ({
      case_id: referral.case_id,
      field: REFERRAL_FIELD,
      old_value: { referralId: referral.id, status: 'pending' },
      new_value: { referralId: referral.id, status: 'ended', endReason: 'consent_withdrawn' },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    })),
  )
  const accepted = await endReferralsOfEndedParticipations(db, actor, caseId)
  return [...pending.map((referral) => referral.id), ...accepted]
}
