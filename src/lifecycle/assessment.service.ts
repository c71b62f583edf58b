import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import { ASSESSMENT_RECORD, readableRecordFields, requireAuthorOrganization, requireRecordWrite } from '../access/record-classes.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import type { AssessmentPatchInput, NewAssessmentInput } from './assessment.schemas.js'
import { type AssessmentRow, findAssessment, insertAssessment, listAssessments, updateAssessment } from './assessment.repository.js'
import { iso } from '../http/iso-time.js'

const FUTURE_TOLERANCE_MS = 5 * 60 * 1000

const ASSESSMENT_POLICY_FIELD = ASSESSMENT_RECORD.anchor

/** The assessments of a case the caller may read (and, for a write, write), or 403 naming the wall. */
async function openAssessments(db: Kysely<Database>, actor: CaseActor, caseId: string, write?: 'create' | 'update') {
  const open = await openCase(db, actor, caseId, { forUpdate: write !== undefined })
  readableRecordFields(open.access, ASSESSMENT_RECORD)
  if (write) requireRecordWrite(open.access, ASSESSMENT_RECORD, write)
  return open
}

function completionTime(completedAt: string): string {
  if (new Date(completedAt).getTime() > Date.now() + FUTURE_TOLERANCE_MS)
    throw new AppError('unprocessable-entity', 'An assessment cannot be completed in the future')
  return new Date(completedAt).toISOString()
}

const toView = (row: AssessmentRow) => ({
  id: row.id,
  caseId: row.case_id,
  assessorId: row.assessor_id,
  authorOrganizationId: row.author_organization_id,
  status: row.status,
  findings: row.findings,
  recommendation: row.recommendation,
  completedAt: iso(row.completed_at),
  createdAt: iso(row.created_at) as string,
  updatedAt: iso(row.updated_at) as string,
  version: row.version,
})
export type AssessmentView = ReturnType<typeof toView>

export async function createAssessment(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewAssessmentInput,
  recordAudit: RecordAudit,
  id = uuidv7(),
) {
  await openAssessments(db, actor, caseId, 'create')
  const completedAt = input.completedAt ? completionTime(input.completedAt) : null
  const row = await insertAssessment(db, {
    id,
    case_id: caseId,
    assessor_id: actor.principal.userId,
    author_organization_id: actor.principal.organizationId,
    findings: JSON.stringify(input.findings),
    recommendation: input.recommendation ?? null,
    status: completedAt ? 'completed' : 'draft',
    completed_at: completedAt,
  })
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD], changedFields: [ASSESSMENT_POLICY_FIELD] })
  return toView(row)
}

export async function readAssessment(db: Kysely<Database>, actor: CaseActor, caseId: string, id: string, recordAudit: RecordAudit) {
  await openAssessments(db, actor, caseId)
  const row = await findAssessment(db, caseId, id)
  if (!row) throw notFound('assessment')
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD] })
  return toView(row)
}

export async function listCaseAssessments(db: Kysely<Database>, actor: CaseActor, caseId: string, recordAudit: RecordAudit) {
  await openAssessments(db, actor, caseId)
  const rows = await listAssessments(db, caseId)
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD] })
  return { items: rows.map(toView) }
}

/**
 * Changes a draft (findings merge by factor) or completes it: only the organisation that wrote it,
 * and only while it is a draft (PRODUCT.md, "Records and their authors"). A completed assessment is
 * final. Completing is a write the author's letters allow (an NGO with `bidDeliberation: rc` finishes
 * the assessment it started).
 */
export async function changeAssessment(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  id: string,
  expectedVersion: number | undefined,
  input: AssessmentPatchInput,
  recordAudit: RecordAudit,
) {
  await openAssessments(db, actor, caseId, 'create')
  const existing = await findAssessment(db, caseId, id)
  if (!existing) throw notFound('assessment')
  requireAuthorOrganization(existing.author_organization_id, actor.principal.organizationId, 'an assessment')
  if (expectedVersion === undefined || expectedVersion !== existing.version) {
    throw new AppError('precondition-failed', 'The assessment has changed since you read it; read it again and retry')
  }
  if (existing.status === 'completed')
    throw new AppError('conflict', 'A completed assessment cannot be changed', { code: 'assessment_completed' })
  const completedAt = input.completedAt ? completionTime(input.completedAt) : undefined
  const row = await updateAssessment(db, id, expectedVersion, {
    ...(input.findings ? { findings: JSON.stringify({ ...existing.findings, ...input.findings }) } : {}),
    ...(input.recommendation !== undefined ? { recommendation: input.recommendation } : {}),
    ...(completedAt ? { completed_at: completedAt, status: 'completed' as const } : {}),
  })
  if (!row) throw new AppError('precondition-failed', 'The assessment has changed since you read it; read it again and retry')
  await recordAudit({ caseIds: [caseId], fields: [ASSESSMENT_POLICY_FIELD], changedFields: [ASSESSMENT_POLICY_FIELD] })
  return toView(row)
}
