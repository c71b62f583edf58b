import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import type { SelectedCaseRow } from '../cases/case.repository.js'
import { type CaseActor, loadReadableCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { syncCustodyColumns } from './case-derived.repository.js'
import {
  type EndPlacementInput,
  type NewPlacementInput,
  PLACEMENT_FIELD_MAP,
  type PlacementField,
} from './placement.schemas.js'
import { type PlacementRow, endPlacement, findCurrentPlacement, findPlacement, insertPlacement, listPlacements, organizationExists } from './placement.repository.js'
import { iso, pick, policyFieldsOf, readableRecordFields, refuseDeniedRecordFields } from './sub-resource-access.js'

/** A clock skew allowance: a start "now" from a client slightly ahead is not in the future. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000
/** Why a placement ended when a new one replaced it. */
export const REPLACED_END_REASON = 'replaced_by_new_placement'

export type PlacementView = Record<string, unknown>

function readablePlacementFields(actor: CaseActor, caseRow: SelectedCaseRow): Set<PlacementField> {
  const readable = readableRecordFields(actor, PLACEMENT_FIELD_MAP, caseRow)
  // Without the placement type a record says nothing the caller may know: the list is refused.
  if (!readable.has('type')) throw new AppError('forbidden', 'Your role may not read placements')
  return readable
}

function toView(row: PlacementRow, readable: ReadonlySet<PlacementField>): PlacementView {
  const fields = pick<PlacementField>(
    {
      type: row.type,
      facilityName: row.facility_name ?? null,
      facilityAddress: row.facility_address ?? null,
      responsibleOrganizationId: row.responsible_organization_id,
      legalBasis: row.legal_basis,
      startedAt: iso(row.started_at),
      endedAt: iso(row.ended_at),
      endReason: row.end_reason,
    },
    readable,
  )
  return { id: row.id, caseId: row.case_id, ...fields, current: row.ended_at === null, createdAt: iso(row.created_at), version: row.version }
}

function notInFuture(at: string, what: string): void {
  if (new Date(at).getTime() > Date.now() + FUTURE_TOLERANCE_MS) throw new AppError('unprocessable-entity', `${what} cannot be in the future`)
}

export async function listCasePlacements(db: Kysely<Database>, actor: CaseActor, caseId: string, recordAudit: RecordAudit) {
  const caseRow = await loadReadableCase(db, actor, caseId)
  const readable = readablePlacementFields(actor, caseRow)
  const rows = await listPlacements(db, caseId, readable.has('facilityName'))
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(PLACEMENT_FIELD_MAP, readable) })
  return { items: rows.map((row) => toView(row, readable)) }
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
  const caseRow = await loadReadableCase(db, actor, caseId, { forUpdate: true })
  const written = (Object.keys(input) as (keyof NewPlacementInput)[]).filter((field) => input[field] !== undefined)
  refuseDeniedRecordFields(actor, 'create', PLACEMENT_FIELD_MAP, written, caseRow)

  const startedAt = input.startedAt ? new Date(input.startedAt).toISOString() : new Date().toISOString()
  notInFuture(startedAt, 'The start of a placement')
  if (input.responsibleOrganizationId && !(await organizationExists(db, input.responsibleOrganizationId))) {
    throw new AppError('unprocessable-entity', 'The responsible organisation does not exist')
  }
  const current = await findCurrentPlacement(db, caseId)
  if (current) {
    if (new Date(startedAt) < current.started_at) {
      throw new AppError('unprocessable-entity', 'A new placement cannot start before the current one began')
    }
    await endPlacement(db, current.id, { endedAt: startedAt, endReason: REPLACED_END_REASON })
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
    created_by: actor.principal.userId,
  })
  const derived = await syncCustodyColumns(db, caseId, { actorId: actor.principal.userId, requestId: actor.requestId })
  const readable = readablePlacementFields(actor, caseRow)
  const row = (await findPlacement(db, caseId, id, readable.has('facilityName'))) as PlacementRow
  await recordAudit({ caseIds: [caseId], fields: [...new Set([...policyFieldsOf(PLACEMENT_FIELD_MAP, [...written, ...readable]), ...derived])] })
  return toView(row, readable)
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
  const caseRow = await loadReadableCase(db, actor, caseId, { forUpdate: true })
  const readable = readablePlacementFields(actor, caseRow)
  const existing = await findPlacement(db, caseId, placementId, false)
  if (!existing) throw notFound('placement')
  const written = (Object.keys(input) as PlacementField[]).filter((field) => input[field as keyof EndPlacementInput] !== undefined)
  refuseDeniedRecordFields(actor, 'update', PLACEMENT_FIELD_MAP, written, caseRow)
  if (expectedVersion === undefined || expectedVersion !== existing.version) {
    throw new AppError('precondition-failed', 'The placement has changed since you read it; read it again and retry')
  }
  if (existing.ended_at !== null) throw new AppError('conflict', 'This placement has already ended', { code: 'placement_ended' })
  const endedAt = input.endedAt ? new Date(input.endedAt).toISOString() : new Date().toISOString()
  notInFuture(endedAt, 'The end of a placement')
  if (new Date(endedAt) < existing.started_at) throw new AppError('unprocessable-entity', 'A placement cannot end before it started')
  const ended = await endPlacement(db, placementId, { endedAt, endReason: input.endReason, expectedVersion })
  if (!ended) throw new AppError('precondition-failed', 'The placement has changed since you read it; read it again and retry')
  const derived = await syncCustodyColumns(db, caseId, { actorId: actor.principal.userId, requestId: actor.requestId })
  const row = (await findPlacement(db, caseId, placementId, readable.has('facilityName'))) as PlacementRow
  await recordAudit({ caseIds: [caseId], fields: [...new Set([...policyFieldsOf(PLACEMENT_FIELD_MAP, [...written, ...readable]), ...derived])] })
  return toView(row, readable)
}

/** One placement as the caller may read it (an Idempotency-Key replay answers with it). */
export async function readPlacement(db: Kysely<Database>, actor: CaseActor, caseId: string, placementId: string, recordAudit: RecordAudit) {
  const caseRow = await loadReadableCase(db, actor, caseId)
  const readable = readablePlacementFields(actor, caseRow)
  const row = await findPlacement(db, caseId, placementId, readable.has('facilityName'))
  if (!row) throw notFound('placement')
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(PLACEMENT_FIELD_MAP, readable) })
  return toView(row, readable)
}
