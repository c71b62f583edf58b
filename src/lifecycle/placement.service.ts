import type { Kysely } from 'kysely'
import { detailText } from '../i18n/messages.js'
import { v7 as uuidv7 } from 'uuid'
import type { CaseAccess } from '../access/case-access.js'
import {
  PLACEMENT_RECORD,
  pickReadable,
  policyFieldsOf,
  readableRecordFields,
  refuseUnwritableRecordFields,
} from '../access/record-classes.js'
import type { RecordAudit } from '../audit/audited.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { recordRuleViolation } from '../cases/date-rules.js'
import { syncCustodyColumns } from './case-derived.repository.js'
import type { EndPlacementInput, NewPlacementInput } from './placement.schemas.js'
import {
  type PlacementColumns,
  type PlacementRow,
  endPlacement,
  findCurrentPlacement,
  findPlacement,
  insertPlacement,
  listPlacements,
  organizationExists,
} from './placement.repository.js'
import { iso } from '../http/iso-time.js'
import { checkPlacementStart, checkRetroactiveEnd, isBackdated, recordRetroactiveEnd } from './placement-corrections.js'

type PlacementField = keyof typeof PLACEMENT_RECORD.fields

/** A clock skew allowance: a start "now" from a client slightly ahead is not in the future. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000
/** Why a placement ended when a new one replaced it. */
export const REPLACED_END_REASON = 'replaced_by_new_placement'

export type PlacementView = Record<string, unknown>

const columnsOf = (readable: ReadonlySet<PlacementField>): PlacementColumns => ({
  facilityName: readable.has('facilityName'),
  facilityAddress: readable.has('facilityAddress'),
  legalBasis: readable.has('legalBasis'),
  endNotes: readable.has('endNotes'),
})

function toView(row: PlacementRow, readable: ReadonlySet<PlacementField>): PlacementView {
  return pickReadable(
    {
      id: row.id,
      caseId: row.case_id,
      type: row.type,
      facilityName: row.facility_name ?? null,
      facilityAddress: row.facility_address ?? null,
      responsibleOrganizationId: row.responsible_organization_id,
      legalBasis: row.legal_basis ?? null,
      startedAt: iso(row.started_at),
      endedAt: iso(row.ended_at),
      endReasonCode: row.end_reason_code,
      endNotes: row.end_notes ?? null,
      current: row.ended_at === null,
      backdated: row.backdated,
      createdAt: iso(row.created_at),
      version: row.version,
    },
    readable,
  )
}

function notInFuture(at: string, what: string): void {
  if (new Date(at).getTime() > Date.now() + FUTURE_TOLERANCE_MS)
    throw new AppError('unprocessable-entity', `${what} cannot be in the future`)
}

/** A correction reason without a correction would sit in the record explaining nothing. */
function refuseStrayReason(reason: string | undefined): void {
  if (reason !== undefined)
    throw recordRuleViolation(
      'correctionReason',
      detailText(`correctionReason is only for a placement that ends in the past (a correction of its dates)`),
    )
}

const writtenFields = (input: object) =>
  Object.entries(input)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field as PlacementField)

export async function listCasePlacements(db: Kysely<Database>, actor: CaseActor, caseId: string, recordAudit: RecordAudit) {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, PLACEMENT_RECORD)
  const rows = await listPlacements(db, caseId, columnsOf(readable))
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(PLACEMENT_RECORD, readable) })
  return { items: rows.map((row) => toView(row, readable)) }
}

/** The placement as changed, with what the writer discloses by writing and reading it. */
async function answer(
  db: Kysely<Database>,
  access: CaseAccess,
  caseId: string,
  id: string,
  written: PlacementField[],
  derived: string[],
  recordAudit: RecordAudit,
) {
  const readable = readableRecordFields(access, PLACEMENT_RECORD)
  const row = (await findPlacement(db, caseId, id, columnsOf(readable))) as PlacementRow
  await recordAudit({
    caseIds: [caseId],
    fields: [...new Set([...policyFieldsOf(PLACEMENT_RECORD, [...written, ...readable]), ...derived])],
    changedFields: [...policyFieldsOf(PLACEMENT_RECORD, written), ...derived],
  })
  return toView(row, readable)
}

/**
 * Opens a placement; the current one, if any, ends when the new one starts, in the same
 * transaction, so a case never has two current placements.
 */
export async function openPlacement(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewPlacementInput,
  recordAudit: RecordAudit,
  id: string = uuidv7(),
) {
  const { access, row: caseRow } = await openCase(db, actor, caseId, { forUpdate: true })
  const written = writtenFields(input)
  refuseUnwritableRecordFields(access, PLACEMENT_RECORD, 'create', written)

  const startedAt = input.startedAt ? new Date(input.startedAt).toISOString() : new Date().toISOString()
  notInFuture(startedAt, 'The start of a placement')
  checkPlacementStart(startedAt, caseRow.opened_at as Date)
  if (input.responsibleOrganizationId && !(await organizationExists(db, input.responsibleOrganizationId))) {
    throw new AppError('unprocessable-entity', 'The responsible organisation does not exist')
  }
  const current = await findCurrentPlacement(db, caseId)
  if (current) {
    if (new Date(startedAt) < current.started_at) {
      throw new AppError('unprocessable-entity', 'A new placement cannot start before the current one began')
    }
    // Starting in the past ends the current placement in the past: a correction of its dates.
    const retroactive = isBackdated(startedAt)
      ? { placement: current, endedAt: startedAt, field: 'startedAt' as const, reason: input.correctionReason }
      : undefined
    if (retroactive) checkRetroactiveEnd(actor, retroactive)
    else refuseStrayReason(input.correctionReason)
    await endPlacement(db, current.id, { endedAt: startedAt, endReasonCode: REPLACED_END_REASON })
    if (retroactive) await recordRetroactiveEnd(db, actor, caseId, retroactive)
  } else {
    refuseStrayReason(input.correctionReason)
  }
  await insertPlacement(db, {
    id,
    case_id: caseId,
    type: input.type,
    facility_name: input.facilityName ?? null,
    facility_address: input.facilityAddress ?? null,
    responsible_organization_id: input.responsibleOrganizationId ?? null,
    legal_basis: input.legalBasis ?? null,
    started_at: startedAt,
    backdated: isBackdated(startedAt),
    created_by: actor.principal.userId,
    created_by_organization_id: actor.principal.organizationId,
  })
  const derived = await syncCustodyColumns(db, caseId, { actorId: actor.principal.userId, requestId: actor.requestId })
  return answer(db, access, caseId, id, written, derived, recordAudit)
}

export async function closePlacement(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  placementId: string,
  expectedVersion: number | undefined,
  input: EndPlacementInput,
  recordAudit: RecordAudit,
) {
  const { access } = await openCase(db, actor, caseId, { forUpdate: true })
  readableRecordFields(access, PLACEMENT_RECORD)
  const written = writtenFields(input)
  refuseUnwritableRecordFields(access, PLACEMENT_RECORD, 'update', written)
  const existing = await findPlacement(db, caseId, placementId, columnsOf(new Set()))
  if (!existing) throw notFound('placement')
  if (expectedVersion === undefined || expectedVersion !== existing.version) {
    throw new AppError('precondition-failed', 'The placement has changed since you read it; read it again and retry')
  }
  if (existing.ended_at !== null) throw new AppError('conflict', 'This placement has already ended', { code: 'placement_ended' })
  const endedAt = input.endedAt ? new Date(input.endedAt).toISOString() : new Date().toISOString()
  notInFuture(endedAt, 'The end of a placement')
  if (new Date(endedAt) < existing.started_at) throw new AppError('unprocessable-entity', 'A placement cannot end before it started')
  // An end in the past rewrites what the record said (the child was there until now): a correction.
  const retroactive = isBackdated(endedAt)
    ? { placement: existing, endedAt, field: 'endedAt' as const, reason: input.correctionReason }
    : undefined
  if (retroactive) checkRetroactiveEnd(actor, retroactive)
  else refuseStrayReason(input.correctionReason)
  const ended = await endPlacement(db, placementId, {
    endedAt,
    endReasonCode: input.endReasonCode,
    endNotes: input.endNotes ?? null,
    expectedVersion,
  })
  if (!ended) throw new AppError('precondition-failed', 'The placement has changed since you read it; read it again and retry')
  if (retroactive) await recordRetroactiveEnd(db, actor, caseId, retroactive)
  const derived = await syncCustodyColumns(db, caseId, { actorId: actor.principal.userId, requestId: actor.requestId })
  return answer(db, access, caseId, placementId, written, derived, recordAudit)
}

/** One placement as the caller may read it (its own route, and an Idempotency-Key replay). */
export async function readPlacement(db: Kysely<Database>, actor: CaseActor, caseId: string, placementId: string, recordAudit: RecordAudit) {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, PLACEMENT_RECORD)
  const row = await findPlacement(db, caseId, placementId, columnsOf(readable))
  if (!row) throw notFound('placement')
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(PLACEMENT_RECORD, readable) })
  return toView(row, readable)
}
