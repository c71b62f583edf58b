import type { Kysely } from 'kysely'
import { detailText } from '../i18n/messages.js'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import type { CaseAccess } from '../access/case-access.js'
import {
  DETERMINATION_RECORD,
  pickReadable,
  policyFieldsOf,
  readableRecordFields,
  refuseUnwritableRecordFields,
} from '../access/record-classes.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { syncBestInterests } from './case-derived.repository.js'
import {
  type DecisionInput,
  type DeterminationPatchInput,
  MIN_PANEL_WITH_UNDERTAKINGS,
  type NewDeterminationInput,
  type DecisionGuardCode,
} from './determination.schemas.js'
import {
  type DeterminationColumns,
  type DeterminationRow,
  findDetermination,
  findDeterminationForUpdate,
  insertDetermination,
  listDeterminations,
  markSuperseded,
  otherDecidedDetermination,
  updateDraft,
} from './determination.repository.js'
import { iso } from '../http/iso-time.js'
import { recordRuleViolation } from '../cases/date-rules.js'

type DeterminationField = keyof typeof DETERMINATION_RECORD.fields

const FUTURE_TOLERANCE_MS = 5 * 60 * 1000

function readableDeterminationFields(access: CaseAccess) {
  const readable = readableRecordFields(access, DETERMINATION_RECORD)
  const columns: DeterminationColumns = { outcome: readable.has('status'), deliberation: readable.has('panel') }
  return { readable, columns }
}

function toView(row: DeterminationRow, readable: ReadonlySet<DeterminationField>) {
  const fields = pickReadable(
    {
      status: row.status,
      supersedesId: row.supersedes_id ?? null,
      createdBy: row.created_by,
      outcome: row.outcome ?? null,
      decidedAt: iso(row.decided_at),
      reviewDueAt: row.review_due_at ?? null,
      trigger: row.trigger,
      panel: row.panel,
      childViews: row.child_views ?? null,
      factors: row.factors,
      optionsConsidered: row.options_considered,
      rationale: row.rationale ?? null,
      dissent: row.dissent ?? null,
    },
    readable,
  )
  return { id: row.id, caseId: row.case_id, ...fields, createdAt: iso(row.created_at) as string, version: row.version }
}
export type DeterminationView = ReturnType<typeof toView>

const fieldsGiven = <T extends object>(input: T) =>
  (Object.keys(input) as (keyof T & DeterminationField)[]).filter((field) => input[field] !== undefined)

const deliberationColumns = (input: DeterminationPatchInput) => ({
  ...(input.trigger !== undefined ? { trigger: input.trigger } : {}),
  ...(input.panel !== undefined ? { panel: JSON.stringify(input.panel) } : {}),
  ...(input.childViews !== undefined ? { child_views: input.childViews } : {}),
  ...(input.factors !== undefined ? { factors: JSON.stringify(input.factors) } : {}),
  ...(input.optionsConsidered !== undefined ? { options_considered: JSON.stringify(input.optionsConsidered) } : {}),
  ...(input.rationale !== undefined ? { rationale: input.rationale } : {}),
  ...(input.dissent !== undefined ? { dissent: input.dissent } : {}),
})

async function viewAfterWrite(db: Kysely<Database>, access: CaseAccess, id: string) {
  const { readable, columns } = readableDeterminationFields(access)
  const row = (await findDetermination(db, access.caseId, id, columns)) as DeterminationRow
  return { view: toView(row, readable), readable }
}

export async function createDetermination(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewDeterminationInput,
  recordAudit: RecordAudit,
  id = uuidv7(),
) {
  const { access } = await openCase(db, actor, caseId, { forUpdate: true })
  // Opening a determination sets its status: only those who may create bestInterests open one.
  const written: DeterminationField[] = ['status', ...fieldsGiven(input)]
  refuseUnwritableRecordFields(access, DETERMINATION_RECORD, 'create', written)
  refuseRepeatedMember(input.panel)
  if (input.supersedesId) {
    const previous = await findDeterminationForUpdate(db, caseId, input.supersedesId)
    if (previous?.status !== 'decided') {
      throw new AppError('unprocessable-entity', 'A determination can supersede only a decided determination of the same case')
    }
  }
  await insertDetermination(db, {
    id,
    case_id: caseId,
    status: 'draft',
    author_organization_id: actor.principal.organizationId,
    supersedes_id: input.supersedesId ?? null,
    created_by: actor.principal.userId,
    ...deliberationColumns(input),
    trigger: input.trigger,
  })
  const { view, readable } = await viewAfterWrite(db, access, id)
  await recordAudit({
    caseIds: [caseId],
    fields: policyFieldsOf(DETERMINATION_RECORD, [...written, ...readable]),
    changedFields: policyFieldsOf(DETERMINATION_RECORD, written),
  })
  return view
}

export async function listCaseDeterminations(db: Kysely<Database>, actor: CaseActor, caseId: string, recordAudit: RecordAudit) {
  const { access } = await openCase(db, actor, caseId)
  const { readable, columns } = readableDeterminationFields(access)
  const rows = await listDeterminations(db, caseId, columns)
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(DETERMINATION_RECORD, readable) })
  return { items: rows.map((row) => toView(row, readable)) }
}

export async function readDetermination(db: Kysely<Database>, actor: CaseActor, caseId: string, id: string, recordAudit: RecordAudit) {
  const { access } = await openCase(db, actor, caseId)
  const { readable, columns } = readableDeterminationFields(access)
  const row = await findDetermination(db, caseId, id, columns)
  if (!row) throw notFound('determination')
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(DETERMINATION_RECORD, readable) })
  return toView(row, readable)
}

const decidedConflict = () =>
  new AppError('conflict', 'A decided determination cannot be changed; create a new one that supersedes it', {
    code: 'determination_decided',
  })

export async function changeDraft(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  id: string,
  expectedVersion: number | undefined,
  input: DeterminationPatchInput,
  recordAudit: RecordAudit,
) {
  const { access } = await openCase(db, actor, caseId, { forUpdate: true })
  readableDeterminationFields(access)
  const existing = await findDeterminationForUpdate(db, caseId, id)
  if (!existing) throw notFound('determination')
  const written = fieldsGiven(input)
  refuseUnwritableRecordFields(access, DETERMINATION_RECORD, 'update', written)
  if (existing.status !== 'draft') throw decidedConflict()
  if (expectedVersion === undefined || expectedVersion !== existing.version) {
    throw new AppError('precondition-failed', 'The determination has changed since you read it; read it again and retry')
  }
  refuseRepeatedMember(input.panel)
  if (written.length > 0 && !(await updateDraft(db, id, expectedVersion, deliberationColumns(input)))) {
    throw new AppError('precondition-failed', 'The determination has changed since you read it; read it again and retry')
  }
  const { view, readable } = await viewAfterWrite(db, access, id)
  await recordAudit({
    caseIds: [caseId],
    fields: policyFieldsOf(DETERMINATION_RECORD, [...written, ...readable]),
    changedFields: policyFieldsOf(DETERMINATION_RECORD, written),
  })
  return view
}

/** One person however the name is typed: NFC, case, accents and spacing aside. */
export const personKey = (name: unknown) =>
  String(name ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()

/** The index of the first panel member who repeats an earlier one, or -1. */
function repeatedMember(panel: readonly Record<string, unknown>[]): number {
  const seen = new Set<string>()
  for (const [index, member] of panel.entries()) {
    const key = personKey(member.name)
    if (seen.has(key)) return index
    seen.add(key)
  }
  return -1
}

/** A panel naming the same person twice is refused when it is written. */
function refuseRepeatedMember(panel: readonly Record<string, unknown>[] | undefined): void {
  const index = panel ? repeatedMember(panel) : -1
  if (index >= 0)
    throw recordRuleViolation(
      `panel.${index}.name`,
      detailText(`panel.${index}.name names a person already on the panel: members must be distinct`),
    )
}

/** Codes of what the draft lacks to be decided; values never leave this function. */
function unmetDecisionConditions(draft: {
  panel: Record<string, unknown>[]
  child_views: string | null
  rationale: string | null
}): DecisionGuardCode[] {
  const unmet: DecisionGuardCode[] = []
  const signed = draft.panel.filter((member) => typeof member.undertakingSignedAt === 'string' && member.undertakingSignedAt.length > 0)
  // Distinct people: the same member twice is one member.
  if (new Set(signed.map((member) => personKey(member.name))).size < MIN_PANEL_WITH_UNDERTAKINGS) unmet.push('panel_undertakings_missing')
  if (repeatedMember(draft.panel) >= 0) unmet.push('panel_member_repeated')
  if (!draft.child_views) unmet.push('child_views_not_recorded')
  if (!draft.rationale) unmet.push('no_rationale')
  return unmet
}

/**
 * Decides a draft. From here the determination is immutable; the one it supersedes, if any, becomes
 * superseded, and the case's bestInterests shows the latest decided determination.
 */
export async function decideDetermination(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  id: string,
  expectedVersion: number | undefined,
  input: DecisionInput,
  recordAudit: RecordAudit,
) {
  const { access } = await openCase(db, actor, caseId, { forUpdate: true })
  if (!access.may('decide_determination')) throw new AppError('forbidden', 'Your role may not decide best-interests determinations')
  const written: DeterminationField[] = ['status', 'outcome', 'decidedAt', 'reviewDueAt']
  refuseUnwritableRecordFields(access, DETERMINATION_RECORD, 'update', written)
  const draft = await findDeterminationForUpdate(db, caseId, id)
  if (!draft) throw notFound('determination')
  if (draft.status !== 'draft') throw decidedConflict()
  if (expectedVersion === undefined || expectedVersion !== draft.version) {
    throw new AppError('precondition-failed', 'The determination has changed since you read it; read it again and retry')
  }

  const decidedAt = new Date(input.decidedAt)
  const decidedOn = input.decidedAt.length === 10 ? input.decidedAt : decidedAt.toISOString().slice(0, 10)
  if (decidedAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS)
    throw recordRuleViolation('decidedAt', detailText(`decidedAt cannot be in the future`))
  // A date-only decision compares by day: a draft opened this morning may be decided "today".
  const draftOpened = draft.created_at
  if (
    input.decidedAt.length === 10
      ? decidedOn < draftOpened.toISOString().slice(0, 10)
      : decidedAt.getTime() < draftOpened.getTime() - FUTURE_TOLERANCE_MS
  ) {
    throw recordRuleViolation('decidedAt', detailText(`decidedAt cannot be before the draft was opened`))
  }
  if (input.reviewDueAt < decidedOn) throw recordRuleViolation('reviewDueAt', detailText(`reviewDueAt cannot precede the decision`))
  const unmet = unmetDecisionConditions(draft)
  if (unmet.length > 0)
    throw new AppError('guard-failed', `The determination does not meet ${unmet.length} condition(s) for a decision`, {
      unmetConditions: unmet,
    })
  const lateUndertaking = draft.panel.findIndex(
    (member) => typeof member.undertakingSignedAt === 'string' && member.undertakingSignedAt > decidedOn,
  )
  if (lateUndertaking >= 0)
    throw recordRuleViolation(
      `panel.${lateUndertaking}.undertakingSignedAt`,
      detailText(
        `panel.${lateUndertaking}.undertakingSignedAt is after the decision: every undertaking is signed before the panel decides`,
      ),
    )
  if (!draft.supersedes_id && (await otherDecidedDetermination(db, caseId, id))) {
    throw new AppError('conflict', 'The case already has a decided determination: a new decision must supersede it (supersedesId)', {
      code: 'decided_determination_exists',
    })
  }
  if (draft.supersedes_id && !(await markSuperseded(db, draft.supersedes_id))) {
    throw new AppError('conflict', 'The determination this one supersedes has already been superseded', { code: 'already_superseded' })
  }
  const decided = await db
    .updateTable('determinations')
    .set((eb) => ({
      status: 'decided',
      outcome: input.outcome,
      decided_at: decidedAt.toISOString(),
      review_due_at: input.reviewDueAt,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst()
  if (Number(decided.numUpdatedRows) !== 1) throw decidedConflict()
  const derived = await syncBestInterests(db, caseId, { actorId: actor.principal.userId, requestId: actor.requestId })
  const { view, readable } = await viewAfterWrite(db, access, id)
  await recordAudit({
    caseIds: [caseId],
    fields: [...new Set([...policyFieldsOf(DETERMINATION_RECORD, [...written, ...readable]), ...derived])],
    changedFields: [...policyFieldsOf(DETERMINATION_RECORD, written), ...derived],
  })
  return view
}
