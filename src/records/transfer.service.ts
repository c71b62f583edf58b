import type { Kysely } from 'kysely'
import { detailText } from '../i18n/messages.js'
import { v7 as uuidv7 } from 'uuid'
import { CaseAccess } from '../access/case-access.js'
import { accessFactsOf } from '../access/case-access-sql.js'
import { caseScopeFilter } from '../access/case-scope.js'
import {
  CONSENT_RECORD,
  NOTE_RECORD,
  PARTICIPATION_RECORD,
  TRANSFER_RECORD,
  policyFieldsOf,
  readableRecordFields,
} from '../access/record-classes.js'
import type { RecordAudit } from '../audit/audited.js'
import { insertHistory, sectionBump } from '../cases/case.repository.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { iso } from '../http/iso-time.js'
import type { Page } from '../http/pagination.js'
import { AppError, notFound } from '../http/problem.js'
import { findConsent } from './consent.repository.js'
import { insertParticipation } from './participant.repository.js'
import type { LegalBasisCode, ShareCaseInput } from './participant.schemas.js'
import { grantParticipation, requireParticipatingOrganization, requireSharingGround } from './participant.service.js'
import { cursorOfId } from './record-cursor.js'
import {
  type TransferRow,
  decideTransfer,
  declineTransfersOnConsent,
  endParticipation,
  findTransferOfCase,
  insertTransfer,
  listTransfersOfCase,
  listTransfersOfOrganization,
  lockTransferOfOrganization,
  markProcuraduriaNotified,
  pendingTransferOfCase,
  setLeadOrganization,
} from './transfer.repository.js'
import type { NewTransferInput, TransferDeclineInput, TransferKind, TransferStatus, TransferView } from './transfer.schemas.js'

/** Who leads and who takes part: the case's own field that transfers change. */
const LEAD_FIELD = PARTICIPATION_RECORD.anchor
const NOTIFIED_FIELD = 'custody.procuraduriaNotifiedAt'

/** The legal basis of a migration officer's hand-over (Ley de Migración art. 112). */
export const HANDOVER_CODE: LegalBasisCode = 'migration_law_handover'

type TransferField = keyof typeof TRANSFER_RECORD.fields

function unprocessable(reason: string, detail: string): never {
  throw new AppError('unprocessable-entity', detail, { reason })
}

export function toTransferView(row: TransferRow, readable: ReadonlySet<TransferField>): TransferView {
  const legalBasis = row.legal_basis_code
    ? {
        code: row.legal_basis_code,
        ...(readable.has('legalBasisCitation') ? { citation: row.legal_basis_citation ?? null } : {}),
      }
    : null
  return {
    id: row.id,
    caseId: row.case_id,
    kind: row.kind,
    fromOrganizationId: row.from_organization_id,
    toOrganizationId: row.to_organization_id,
    consentId: row.consent_id,
    legalBasis,
    status: row.status,
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at) as string,
    decidedBy: row.decided_by,
    decidedAt: iso(row.decided_at),
    ...(readable.has('declineReason') ? { declineReason: row.decline_reason ?? null } : {}),
  }
}

const auditFields = (readable: ReadonlySet<TransferField>) => policyFieldsOf(TRANSFER_RECORD, readable)

/**
 * Requests a transfer (PRODUCT.md, "Object scope"). A migration officer may only hand a case over
 * to a child-protection authority, on the law (no consent), and that sets
 * custody.procuraduriaNotifiedAt when unset; any other transfer is one of responsibility, requested
 * by the lead organisation on a live consent covering sharing or a legal basis, like a share. The
 * receiver participates (reads) from the request on.
 */
export async function requestTransfer(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewTransferInput,
  recordAudit: RecordAudit,
): Promise<TransferView> {
  const { principal } = actor
  // The case row stays locked until the request commits: one pending transfer per case.
  const { row, access } = await openCase(db, actor, caseId, { forUpdate: true })
  access.requireAction('transfer', 'transfer cases')
  if (!access.isLead) throw new AppError('forbidden', 'Only the lead organisation transfers a case', { reason: 'not_lead' })
  const organization = await requireParticipatingOrganization(db, input.toOrganizationId)
  if (organization.id === principal.organizationId)
    unprocessable('transfer_to_self', detailText('A case is not transferred to the organisation that leads it'))

  let kind: TransferKind
  let legalBasis: ShareCaseInput['legalBasis']
  if (principal.role === 'migration_officer') {
    if (organization.kind !== 'child_protection_authority') {
      unprocessable(
        'handover_requires_child_protection_authority',
        detailText('A migration officer hands a case over only to a child-protection authority'),
      )
    }
    if (input.consentId !== undefined || (input.legalBasis !== undefined && input.legalBasis.code !== HANDOVER_CODE)) {
      unprocessable(
        'handover_rests_on_law',
        detailText(`A hand-over rests on the law (${HANDOVER_CODE}), not on a consent or another legal basis`),
      )
    }
    if (input.legalBasis?.citation !== undefined) access.refuseUnwritable('create', ['legal.notes'])
    kind = 'handover'
    legalBasis = { code: HANDOVER_CODE, ...(input.legalBasis?.citation !== undefined ? { citation: input.legalBasis.citation } : {}) }
  } else {
    if (organization.kind === 'migration_authority') {
      unprocessable('organization_kind_not_allowed', detailText('Responsibility for a case is not transferred to a migration authority'))
    }
    if (input.legalBasis?.code === HANDOVER_CODE)
      unprocessable('handover_rests_on_law', detailText(`${HANDOVER_CODE} is the basis of a migration officer's hand-over only`))
    await requireSharingGround(db, actor, caseId, input)
    kind = 'responsibility'
    legalBasis = input.legalBasis
  }
  if (await pendingTransferOfCase(db, caseId)) {
    throw new AppError('conflict', 'A transfer of this case is pending; it must be accepted or declined first', {
      reason: 'transfer_pending',
    })
  }

  // The receiver reads the case from the request on, unless it took part already.
  let receiverParticipationId: string | null = null
  if (!row.participant_organization_ids.includes(organization.id)) {
    const granted = await grantParticipation(db, actor, access, { organizationId: organization.id, consentId: input.consentId, legalBasis })
    receiverParticipationId = granted.id
  }
  const transfer = await insertTransfer(db, {
    id: uuidv7(),
    case_id: caseId,
    kind,
    from_organization_id: principal.organizationId,
    to_organization_id: organization.id,
    consent_id: input.consentId ?? null,
    legal_basis_code: legalBasis?.code ?? null,
    legal_basis_citation: legalBasis?.citation ?? null,
    receiver_participation_id: receiverParticipationId,
    requested_by: principal.userId,
  })
  const notifiedAt = new Date().toISOString()
  const notified = kind === 'handover' && (await markProcuraduriaNotified(db, caseId, notifiedAt, sectionBump(['custody'])))
  const entry = { case_id: caseId, actor_id: principal.userId, request_id: actor.requestId }
  await insertHistory(db, [
    {
      ...entry,
      field: LEAD_FIELD,
      old_value: null,
      new_value: {
        transferId: transfer.id,
        kind,
        status: 'pending',
        fromOrganizationId: principal.organizationId,
        toOrganizationId: organization.id,
      },
    },
    ...(notified ? [{ ...entry, field: NOTIFIED_FIELD, old_value: null, new_value: notifiedAt }] : []),
  ])
  const readable = readableRecordFields(access, TRANSFER_RECORD)
  await recordAudit({
    caseIds: [caseId],
    fields: [...auditFields(readable), ...(input.consentId ? [CONSENT_RECORD.anchor] : []), ...(notified ? [NOTIFIED_FIELD] : [])],
    targetOrganizationId: organization.id,
  })
  return toTransferView(transfer, readable)
}

/** The transfer, locked, as its receiver finds it: 404 for any other organisation, 403 for the sender. */
async function transferToDecide(db: Kysely<Database>, actor: CaseActor, id: string): Promise<TransferRow> {
  const transfer = await lockTransferOfOrganization(db, id, actor.principal.organizationId)
  if (!transfer) throw notFound('transfer')
  if (transfer.to_organization_id !== actor.principal.organizationId) {
    throw new AppError('forbidden', 'Only the receiving organisation accepts or declines a transfer', { reason: 'not_receiver' })
  }
  return transfer
}

function refuseDecided(transfer: TransferRow): void {
  if (transfer.status !== 'pending')
    throw new AppError('conflict', `This transfer is already ${transfer.status}`, { reason: 'transfer_already_decided' })
}

/**
 * The receiver accepts: it becomes the lead, and the former lead stays a participant on the
 * transfer's basis. The transfer row is locked first, so of two concurrent decisions one wins and
 * the other finds it decided (409).
 */
export async function acceptTransfer(db: Kysely<Database>, actor: CaseActor, id: string, recordAudit: RecordAudit): Promise<TransferView> {
  const transfer = await transferToDecide(db, actor, id)
  refuseDecided(transfer)
  if (transfer.consent_id) {
    const consent = await findConsent(db, transfer.case_id, transfer.consent_id, 'share')
    if (!consent || consent.withdrawn_at)
      unprocessable('consent_withdrawn', detailText('The consent this transfer rests on has been withdrawn'))
  }
  const caseId = transfer.case_id
  const { row, access } = await openCase(db, actor, caseId, { forUpdate: true })
  access.requireAction('transfer', 'accept transfers')
  if (String(row.access_lead_organization_id) !== transfer.from_organization_id) {
    throw new AppError('conflict', 'The case is no longer led by the organisation that requested the transfer', { reason: 'lead_changed' })
  }
  const decided = await decideTransfer(db, id, { status: 'accepted', decidedBy: actor.principal.userId })
  if (!decided) throw new AppError('conflict', 'This transfer is already decided', { reason: 'transfer_already_decided' })

  const { userId } = actor.principal
  const from = transfer.from_organization_id
  const to = transfer.to_organization_id
  // The former lead stays, on the transfer's basis; the receiver's participation becomes the lead's.
  const formerLeadEnded = await endParticipation(db, caseId, from, userId, 'transfer_accepted')
  const formerLeadId = await insertParticipation(db, {
    organization_id: from,
    case_id: caseId,
    basis: transfer.consent_id ? 'consent' : 'legal_basis',
    consent_id: transfer.consent_id,
    legal_basis_code: transfer.legal_basis_code,
    legal_basis_citation: transfer.legal_basis_citation,
    granted_by: userId,
  })
  const receiverEnded = await endParticipation(db, caseId, to, userId, 'transfer_accepted')
  const leadId = await insertParticipation(db, { organization_id: to, case_id: caseId, basis: 'lead', granted_by: userId })
  await setLeadOrganization(db, caseId, to, sectionBump(['case']))

  const entry = { case_id: caseId, actor_id: userId, request_id: actor.requestId }
  await insertHistory(db, [
    { ...entry, field: LEAD_FIELD, old_value: { transferId: id, status: 'pending' }, new_value: { transferId: id, status: 'accepted' } },
    { ...entry, field: 'case.leadOrganizationId', old_value: from, new_value: to },
    {
      ...entry,
      field: LEAD_FIELD,
      old_value: { participationId: formerLeadEnded ?? null, organizationId: from, basis: 'lead' },
      new_value: {
        participationId: formerLeadId ?? null,
        organizationId: from,
        basis: transfer.consent_id ? 'consent' : 'legal_basis',
        legalBasisCode: transfer.legal_basis_code,
      },
    },
    {
      ...entry,
      field: LEAD_FIELD,
      old_value: { participationId: receiverEnded ?? null, organizationId: to },
      new_value: { participationId: leadId ?? null, organizationId: to, basis: 'lead' },
    },
  ])
  // Read as the new lead reads it.
  const reopened = await openCase(db, actor, caseId)
  const readable = readableRecordFields(reopened.access, TRANSFER_RECORD)
  await recordAudit({ caseIds: [caseId], fields: auditFields(readable), targetOrganizationId: to })
  return toTransferView(decided, readable)
}

/**
 * The receiver declines, with a reason: the participation the request gave it ends, unless it took
 * part before the request.
 */
export async function declineTransfer(
  db: Kysely<Database>,
  actor: CaseActor,
  id: string,
  input: TransferDeclineInput,
  recordAudit: RecordAudit,
): Promise<TransferView> {
  const transfer = await transferToDecide(db, actor, id)
  const reason = input.reason?.trim()
  if (!reason) unprocessable('reason_required', detailText('Say why the transfer is declined'))
  refuseDecided(transfer)
  const caseId = transfer.case_id
  const { access } = await openCase(db, actor, caseId, { forUpdate: true })
  access.requireAction('transfer', 'decline transfers')
  access.refuseUnwritable('create', [NOTE_RECORD.anchor])
  const readable = readableRecordFields(access, TRANSFER_RECORD)
  const decided = await decideTransfer(db, id, { status: 'declined', decidedBy: actor.principal.userId, declineReason: reason })
  if (!decided) throw new AppError('conflict', 'This transfer is already decided', { reason: 'transfer_already_decided' })
  const { userId } = actor.principal
  const ended = transfer.receiver_participation_id
    ? await endParticipation(db, caseId, transfer.to_organization_id, userId, 'transfer_declined')
    : undefined
  const entry = { case_id: caseId, actor_id: userId, request_id: actor.requestId }
  await insertHistory(db, [
    {
      ...entry,
      field: LEAD_FIELD,
      old_value: { transferId: id, status: 'pending' },
      new_value: { transferId: id, status: 'declined', endedParticipationId: ended ?? null },
    },
    // The reason is free text of section notes: its history entry is under that section.
    { ...entry, field: NOTE_RECORD.anchor, old_value: null, new_value: { transferId: id, declineReason: reason } },
  ])
  await recordAudit({
    caseIds: [caseId],
    fields: [...auditFields(readable), NOTE_RECORD.anchor],
    targetOrganizationId: transfer.to_organization_id,
  })
  return toTransferView(decided, readable)
}

export async function listTransfers(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<TransferView>> {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, TRANSFER_RECORD)
  const rows = await listTransfersOfCase(db, caseId, { limit: query.limit + 1, after: query.after })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: auditFields(readable) })
  const last = page.at(-1)
  return {
    items: page.map((row) => toTransferView(row, readable)),
    nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null,
  }
}

export async function readTransfer(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  id: string,
  recordAudit: RecordAudit,
): Promise<TransferView> {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, TRANSFER_RECORD)
  const row = await findTransferOfCase(db, caseId, id)
  if (!row) throw notFound('transfer')
  await recordAudit({ caseIds: [caseId], fields: auditFields(readable) })
  return toTransferView(row, readable)
}

/**
 * The organisation's transfers, incoming (its inbox) or outgoing, newest first: only of cases in
 * the reader's scope, each as the access rule lets the reader see it.
 */
export async function transferInbox(
  db: Kysely<Database>,
  actor: CaseActor,
  query: { direction: 'incoming' | 'outgoing'; status: TransferStatus | undefined; limit: number; before: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<TransferView>> {
  if (actor.scope.kind === 'none') throw new AppError('forbidden', 'Your role reaches no case', { reason: 'role' })
  const rows = await listTransfersOfOrganization(db, caseScopeFilter(actor.ability, 'read'), actor.principal.organizationId, {
    ...query,
    limit: query.limit + 1,
  })
  const page = rows.slice(0, query.limit)
  const disclosed = new Set<string>()
  const items: TransferView[] = []
  for (const row of page) {
    const access = new CaseAccess(actor, accessFactsOf({ ...row, id: row.case_id }))
    if (!access.canRead(TRANSFER_RECORD.anchor)) continue
    const readable = new Set(
      (Object.keys(TRANSFER_RECORD.fields) as TransferField[]).filter((field) => access.canRead(TRANSFER_RECORD.fields[field])),
    )
    for (const field of auditFields(readable)) disclosed.add(field)
    items.push(toTransferView(row, readable))
  }
  await recordAudit({ caseIds: [...new Set(items.map((item) => item.caseId))], fields: [...disclosed] })
  const last = page.at(-1)
  return { items, nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null }
}

/**
 * A withdrawn consent no longer carries a pending transfer resting on it: the transfer is declined
 * (reason `consent_withdrawn`) in the withdrawal's transaction, and the case's history says so.
 * (The receiver's participation on that consent ends with the consent's other participations.)
 */
export async function declinePendingTransfersOnConsent(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  consentId: string,
): Promise<void> {
  const declined = await declineTransfersOnConsent(db, consentId, actor.principal.userId)
  await insertHistory(
    db,
    declined.map((transferId) => ({
      case_id: caseId,
      field: LEAD_FIELD,
      old_value: { transferId, status: 'pending' },
      new_value: { transferId, status: 'declined', because: 'consent_withdrawn' },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    })),
  )
}
