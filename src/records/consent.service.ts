import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import type { CaseAccess } from '../access/case-access.js'
import { CONSENT_RECORD, NOTE_RECORD, pickReadable, readableRecordFields, requireRecordWrite } from '../access/record-classes.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { ConsentTable, Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import type { Page } from '../http/pagination.js'
import type { ConsentView, ConsentWithdrawalInput, NewConsentInput } from './consent.schemas.js'
import {
  endParticipationsOnConsent,
  findConsent,
  insertConsent,
  listConsentsOfCase,
  markConsentWithdrawn,
  organizationKinds,
} from './consent.repository.js'
import { cursorOfId } from './record-cursor.js'
import { endReferralsOnConsentWithdrawal } from './referral.service.js'
import { declinePendingTransfersOnConsent } from './transfer.service.js'

/** The one field of the `consent` section: every consent of a case is a value of it. */
export const CONSENT_FIELD = CONSENT_RECORD.anchor

type ConsentField = keyof typeof CONSENT_RECORD.fields

export interface ConsentResult {
  readonly view: ConsentView
  readonly version: number
}

const iso = (value: Date | string) => new Date(value).toISOString()

/** A consent as this reader may read it: its notes are free text (section notes). */
function viewFor(access: CaseAccess, row: Selectable<ConsentTable>): ConsentView {
  return pickReadable(toConsentView(row), readableRecordFields(access, CONSENT_RECORD) as Set<ConsentField>) as ConsentView
}

export function toConsentView(row: Selectable<ConsentTable>): ConsentView {
  return {
    id: row.id,
    caseId: row.case_id,
    givenBy: row.given_by,
    scopes: row.scopes,
    withheld: row.withheld as ConsentView['withheld'],
    givenAt: iso(row.given_at),
    withdrawnAt: row.withdrawn_at ? iso(row.withdrawn_at) : null,
    notes: row.notes,
    recordedBy: row.recorded_by,
    recordedByOrganizationId: row.recorded_by_organization_id,
    createdAt: iso(row.created_at),
    version: row.version,
  }
}

/** A time the request names may not lie in the future: a consent is recorded after it was given. */
function refuseFuture(value: string, what: string): void {
  if (Date.parse(value) > Date.now() + 60_000) throw new AppError('unprocessable-entity', `${what} cannot be in the future`)
}

export async function createConsent(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewConsentInput,
  options: { id?: string },
  recordAudit: RecordAudit,
): Promise<ConsentResult> {
  const { row: caseRow, access } = await openCase(db, actor, caseId)
  readableRecordFields(access, CONSENT_RECORD)
  requireRecordWrite(access, CONSENT_RECORD, 'create')
  if (input.notes !== undefined && !access.canWrite('create', CONSENT_RECORD.fields.notes)) {
    throw new AppError('forbidden-fields', 'You may not write: notes.notes', { deniedFields: ['notes.notes'] })
  }
  const givenAt = input.givenAt ?? new Date().toISOString()
  refuseFuture(givenAt, 'givenAt')
  await checkWithholdings(db, actor, access, String(caseRow.access_lead_organization_id), input.withheld)
  const row = await insertConsent(db, {
    id: options.id ?? uuidv7(),
    case_id: caseId,
    given_by: input.givenBy,
    scopes: input.scopes,
    withheld: JSON.stringify(input.withheld),
    given_at: givenAt,
    notes: input.notes ?? null,
    recorded_by: actor.principal.userId,
    recorded_by_organization_id: actor.principal.organizationId,
  })
  const view = toConsentView(row)
  const { id, givenBy, scopes, withheld, notes } = view
  const entry = { case_id: caseId, old_value: null, actor_id: actor.principal.userId, request_id: actor.requestId }
  // The notes are free text of section notes: their history entry is theirs, under that section.
  await insertHistory(db, [
    { ...entry, field: CONSENT_FIELD, new_value: { id, givenBy, scopes, withheld, givenAt: view.givenAt } },
    ...(notes ? [{ ...entry, field: NOTE_RECORD.anchor, new_value: { consentId: id, notes } }] : []),
  ])
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD], changedFields: [CONSENT_FIELD] })
  return { view: viewFor(access, row), version: row.version }
}

/**
 * Who may keep sections from whom (PRODUCT.md, "Consent withholding"): only the lead organisation or
 * a protection officer records withholdings, and never against the lead nor the oversight view.
 */
async function checkWithholdings(
  db: Kysely<Database>,
  actor: CaseActor,
  access: CaseAccess,
  leadOrganizationId: string,
  withheld: NewConsentInput['withheld'],
): Promise<void> {
  if (withheld.length === 0) return
  if (!access.isLead && actor.principal.role !== 'protection_officer') {
    throw new AppError('forbidden', 'Only the lead organisation or a protection officer records withholdings', {
      reason: 'withholding_not_allowed',
    })
  }
  const named = [...new Set(withheld.flatMap((entry) => (entry.fromOrganizationId ? [entry.fromOrganizationId] : [])))]
  if (named.length === 0) return
  const kinds = await organizationKinds(db, named)
  if (kinds.size !== named.length) {
    throw new AppError('unprocessable-entity', 'withheld names an organisation that does not exist', { reason: 'unknown_organization' })
  }
  if (named.includes(leadOrganizationId)) {
    throw new AppError('unprocessable-entity', 'A consent never withholds from the lead organisation', { reason: 'withholding_from_lead' })
  }
  if ([...kinds.values()].includes('oversight_body')) {
    throw new AppError('unprocessable-entity', 'A consent never withholds from the oversight view', {
      reason: 'withholding_from_oversight',
    })
  }
}

export async function readConsent(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  consentId: string,
  recordAudit: RecordAudit,
): Promise<ConsentResult> {
  const { access } = await openCase(db, actor, caseId)
  readableRecordFields(access, CONSENT_RECORD)
  const row = await findConsent(db, caseId, consentId)
  if (!row) throw notFound('consent')
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD] })
  return { view: viewFor(access, row), version: row.version }
}

export async function listConsents(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<ConsentView>> {
  const { access } = await openCase(db, actor, caseId)
  readableRecordFields(access, CONSENT_RECORD)
  const rows = await listConsentsOfCase(db, caseId, { limit: query.limit + 1, after: query.after })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD] })
  const last = page.at(-1)
  return { items: page.map((row) => viewFor(access, row)), nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null }
}

/**
 * Withdrawal is final: a withdrawn consent no longer allows sharing, every participation resting on
 * it alone ends, and its withholdings are lifted, all in this transaction.
 */
export async function withdrawConsent(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  consentId: string,
  expectedVersion: number | undefined,
  input: ConsentWithdrawalInput,
  recordAudit: RecordAudit,
): Promise<ConsentResult> {
  const { access } = await openCase(db, actor, caseId)
  readableRecordFields(access, CONSENT_RECORD)
  requireRecordWrite(access, CONSENT_RECORD, 'update')
  const current = await findConsent(db, caseId, consentId, 'update')
  if (!current) throw notFound('consent')
  if (expectedVersion === undefined || expectedVersion !== current.version) {
    throw new AppError('precondition-failed', 'The consent has changed since you read it; read it again and retry')
  }
  if (current.withdrawn_at) throw new AppError('conflict', 'This consent is already withdrawn', { reason: 'consent_already_withdrawn' })
  refuseFuture(input.withdrawnAt, 'withdrawnAt')
  if (Date.parse(input.withdrawnAt) < new Date(current.given_at).getTime()) {
    throw new AppError('unprocessable-entity', 'withdrawnAt cannot be before the consent was given')
  }
  const row = await markConsentWithdrawn(db, consentId, current.version, input.withdrawnAt)
  if (!row) throw new AppError('precondition-failed', 'The consent has changed since you read it; read it again and retry')
  const view = toConsentView(row)
  const ended = await endParticipationsOnConsent(db, consentId, actor.principal.userId)
  await endReferralsOnConsentWithdrawal(db, actor, caseId, consentId)
  await declinePendingTransfersOnConsent(db, actor, caseId, consentId)
  await insertHistory(db, [
    {
      case_id: caseId,
      field: CONSENT_FIELD,
      old_value: { id: consentId, withdrawnAt: null },
      new_value: { id: consentId, withdrawnAt: view.withdrawnAt, endedParticipations: ended },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    },
  ])
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD], changedFields: [CONSENT_FIELD] })
  return { view: viewFor(access, row), version: row.version }
}
