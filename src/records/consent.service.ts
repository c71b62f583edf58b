import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, loadReadableCase } from '../cases/case.service.js'
import type { ConsentTable, Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import type { Page } from '../http/pagination.js'
import { type ConsentView, type ConsentWithdrawalInput, type NewConsentInput } from './consent.schemas.js'
import { countOrganizations, findConsent, insertConsent, listConsentsOfCase, markConsentWithdrawn } from './consent.repository.js'
import { requireFieldAccess } from './record-access.js'
import { cursorOfId } from './record-cursor.js'

/** The one field of the `consent` section: every consent of a case is a value of it. */
export const CONSENT_FIELD = 'consent.consents'

export interface ConsentResult {
  readonly view: ConsentView
  readonly version: number
}

const iso = (value: Date | string) => new Date(value).toISOString()

export function toConsentView(row: Selectable<ConsentTable>): ConsentView {
  return {
    id: row.id,
    caseId: row.case_id,
    givenBy: row.given_by as ConsentView['givenBy'],
    scopes: row.scopes as ConsentView['scopes'],
    withheld: row.withheld as ConsentView['withheld'],
    givenAt: iso(row.given_at),
    withdrawnAt: row.withdrawn_at ? iso(row.withdrawn_at) : null,
    notes: row.notes,
    recordedBy: row.recorded_by,
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
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'create', CONSENT_FIELD)
  const givenAt = input.givenAt ?? new Date().toISOString()
  refuseFuture(givenAt, 'givenAt')
  const named = [...new Set(input.withheld.flatMap((entry) => (entry.fromOrganizationId ? [entry.fromOrganizationId] : [])))]
  if (named.length > 0 && (await countOrganizations(db, named)) !== named.length) {
    throw new AppError('unprocessable-entity', 'withheld names an organisation that does not exist', { reason: 'unknown_organization' })
  }
  const row = await insertConsent(db, {
    id: options.id ?? uuidv7(),
    case_id: caseId,
    given_by: input.givenBy,
    scopes: input.scopes,
    withheld: JSON.stringify(input.withheld),
    given_at: givenAt,
    notes: input.notes ?? null,
    recorded_by: actor.principal.userId,
  })
  const view = toConsentView(row)
  const { id, givenBy, scopes, withheld, notes } = view
  await insertHistory(db, [
    { case_id: caseId, field: CONSENT_FIELD, old_value: null, new_value: { id, givenBy, scopes, withheld, givenAt: view.givenAt, notes }, actor_id: actor.principal.userId, request_id: actor.requestId },
  ])
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD] })
  return { view, version: row.version }
}

export async function readConsent(db: Kysely<Database>, actor: CaseActor, caseId: string, consentId: string, recordAudit: RecordAudit): Promise<ConsentResult> {
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'read', CONSENT_FIELD)
  const row = await findConsent(db, caseId, consentId)
  if (!row) throw notFound('consent')
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD] })
  return { view: toConsentView(row), version: row.version }
}

export async function listConsents(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<ConsentView>> {
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'read', CONSENT_FIELD)
  const rows = await listConsentsOfCase(db, caseId, { limit: query.limit + 1, after: query.after })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD] })
  const last = page.at(-1)
  return { items: page.map(toConsentView), nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null }
}

/** Withdrawal is final: a withdrawn consent no longer allows sharing (participant.service.ts). */
export async function withdrawConsent(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  consentId: string,
  expectedVersion: number | undefined,
  input: ConsentWithdrawalInput,
  recordAudit: RecordAudit,
): Promise<ConsentResult> {
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'update', CONSENT_FIELD)
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
  await insertHistory(db, [
    {
      case_id: caseId,
      field: CONSENT_FIELD,
      old_value: { id: consentId, withdrawnAt: null },
      new_value: { id: consentId, withdrawnAt: view.withdrawnAt },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    },
  ])
  await recordAudit({ caseIds: [caseId], fields: [CONSENT_FIELD] })
  return { view, version: row.version }
}
