import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import type { SelectedCaseRow } from '../cases/case.repository.js'
import { type CaseActor, caseSubjectOf, loadReadableCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { ASSESSMENT_POLICY_FIELD, type AssessmentPatchInput, type NewAssessmentInput } from './assessment.schemas.js'
import { type AssessmentRow, findAssessment, insertAssessment, listAssessments, updateAssessment } from './assessment.repository.js'
import { iso } from './sub-resource-access.js'

const FUTURE_TOLERANCE_MS = 5 * 60 * 1000

function requireOn(actor: CaseActor, action: 'read' | 'create' | 'update', caseRow: SelectedCaseRow): void {
  if (actor.ability.can(action, caseSubjectOf(caseRow), ASSESSMENT_POLICY_FIELD)) return
  if (action === 'read') throw new AppError('forbidden', 'Your role may not read best-interests assessments')
  throw new AppError('forbidden-fields', `You may not write: ${ASSESSMENT_POLICY_FIELD}`, { deniedFields: [ASSESSMENT_POLICY_FIELD] })
}

function completionTime(completedAt: string): string {
  if (new Date(completedAt).getTime() > Date.now() + FUTURE_TOLERANCE_MS) throw new AppError('unprocessable-entity', 'An assessment cannot be completed in the future')
  return new Date(completedAt).toISOString()
}

const toView = (row: AssessmentRow) => ({
  id: row.id,
  caseId: row.case_id,
  assessorId: row.assessor_id,
  status: row.status,
  findings: row.findings,
  recommendation: row.recommendation,
  completedAt: iso(row.completed_at),
  createdAt: iso(row.created_at) as string,
  updatedAt: iso(row.updated_at) as string,
  version: row.version,
})
export type AssessmentView = ReturnType<typeof toView>

export async function createAssessment(db: Kysely<Database>, actor: CaseActor, caseId: string, input: NewAssessmentInput, recordAudit: RecordAudit, id = uuidv7()) {
  const caseRow = await loadReadableCase(db, actor, caseId, { forUpdate: true })
  requireOn(actor, 'create', caseRow)
  const completedAt = input.completedAt ? completionTime(input.completedAt) : null
  const row = await insertAssessment(db, {
    id,
    case_id: caseId,
    assessor_id: actor.principal.userId,
    findings: JSON.stringify(input.findings),
    recommendation: input.recommendation ?? null,
    status: completedAt ? 'completed' : 'draft',
    completed_at: completedAt,
  })
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD] })
  return toView(row)
}

export async function readAssessment(db: Kysely<Database>, actor: CaseActor, caseId: string, id: string, recordAudit: RecordAudit) {
  const caseRow = await loadReadableCase(db, actor, caseId)
  requireOn(actor, 'read', caseRow)
  const row = await findAssessment(db, caseId, id)
  if (!row) throw notFound('assessment')
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD] })
  return toView(row)
}

export async function listCaseAssessments(db: Kysely<Database>, actor: CaseActor, caseId: string, recordAudit: RecordAudit) {
  const caseRow = await loadReadableCase(db, actor, caseId)
  requireOn(actor, 'read', caseRow)
  const rows = await listAssessments(db, caseId)
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD] })
  return { items: rows.map(toView) }
}

/** Changes a draft (findings merge by factor) or completes it; a completed assessment is final. */
export async function changeAssessment(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  id: string,
  expectedVersion: number | undefined,
  input: AssessmentPatchInput,
  recordAudit: RecordAudit,
) {
  const caseRow = await loadReadableCase(db, actor, caseId, { forUpdate: true })
  requireOn(actor, 'update', caseRow)
  const existing = await findAssessment(db, caseId, id)
  if (!existing) throw notFound('assessment')
  if (expectedVersion === undefined || expectedVersion !== existing.version) {
    throw new AppError('precondition-failed', 'The assessment has changed since you read it; read it again and retry')
  }
  if (existing.status === 'completed') throw new AppError('conflict', 'A completed assessment cannot be changed', { code: 'assessment_completed' })
  const completedAt = input.completedAt ? completionTime(input.completedAt) : undefined
  const row = await updateAssessment(db, id, expectedVersion, {
    ...(input.findings ? { findings: JSON.stringify({ ...existing.findings, ...input.findings }) } : {}),
    ...(input.recommendation !== undefined ? { recommendation: input.recommendation } : {}),
    ...(completedAt ? { completed_at: completedAt, status: 'completed' as const } : {}),
  })
  if (!row) throw new AppError('precondition-failed', 'The assessment has changed since you read it; read it again and retry')
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD] })
  return toView(row)
}
