import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import { STAGES, type Stage } from '../cases/case-sections.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import { readerVersion } from '../access/reader-version.js'
import { TRANSITION_RECORD, pickReadable, policyFieldsOf, readableRecordFields } from '../access/record-classes.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import type { Policy } from '../access/policy.js'
import { transitionAllowed } from '../access/restricted-transitions.js'
import { readGuardFacts } from './guard.repository.js'
import { unmetConditions } from './stage-guards.js'
import { guardConditions } from './guard-conditions.js'
import type { TransitionRequest } from './transition.schemas.js'
import {
  findTransition,
  type LifecycleChange,
  insertTransition,
  listTransitions,
  readLifecycleColumns,
  updateLifecycleColumns,
} from './transition.repository.js'
import { iso } from '../http/iso-time.js'

const indexOf = (stage: Stage) => STAGES.indexOf(stage)

/** The transitions' fields belong to the top-level `case` section (stage, closure reason). */
const TRANSITION_FIELDS = ['case.stage', 'case.status', 'case.closedAt', 'case.closureReason']

type TransitionRow = Awaited<ReturnType<typeof listTransitions>>[number]

type TransitionField = keyof typeof TRANSITION_RECORD.fields

/** A transition as the reader may read it: its reason is free text (section notes). */
const viewFor = (row: TransitionRow, readable: ReadonlySet<TransitionField>) =>
  pickReadable(toView(row), readable) as ReturnType<typeof toView>

const toView = (row: TransitionRow) => ({
  id: row.id,
  caseId: row.case_id,
  from: row.from_stage,
  to: row.to_stage,
  reason: row.reason,
  closureReason: row.closure_reason,
  actorId: row.actor_id,
  actorRole: row.actor_role,
  at: iso(row.at) as string,
})

/**
 * Closing for a reason other than an achieved solution (the child turned 18, was transferred, died,
 * or no longer needs the service) ends the case from any stage: such events do not wait for the
 * lifecycle. Any other forward move goes one stage at a time.
 */
function isEarlyClosure(to: Stage, closureReason: string | undefined): boolean {
  return to === 'closed' && closureReason !== undefined && closureReason !== 'solution_achieved'
}

export async function moveCase(
  db: Kysely<Database>,
  actor: CaseActor,
  policy: Policy,
  caseId: string,
  expectedVersion: number | undefined,
  input: TransitionRequest,
  recordAudit: RecordAudit,
) {
  const { row: caseRow, access } = await openCase(db, actor, caseId, { forUpdate: true })
  const from = caseRow.stage
  const { to } = input
  if (!access.may('transition') || !transitionAllowed(policy, actor.principal.role, { from, to })) {
    throw new AppError('forbidden', 'Your role may not make this stage change')
  }
  if (input.reason !== undefined && !access.canWrite('create', TRANSITION_RECORD.fields.reason)) {
    throw new AppError('forbidden-fields', `You may not write: ${TRANSITION_RECORD.fields.reason}`, {
      deniedFields: [TRANSITION_RECORD.fields.reason],
    })
  }
  // A transition is an update of the case: compared with the version this reader saw, after the
  // refusals above, so that a 412 never says a section behind a wall changed.
  if (expectedVersion === undefined || expectedVersion !== readerVersion(access, caseRow).version) {
    throw new AppError('precondition-failed', 'The case has changed since you read it; read it again and retry')
  }
  if (input.closureReason !== undefined && to !== 'closed') {
    throw new AppError('bad-request', 'A closure reason is given only when closing a case')
  }
  const step = indexOf(to) - indexOf(from)
  if (step === 0) throw new AppError('conflict', 'The case is already in this stage', { code: 'same_stage' })
  if (step < 0 && !input.reason) {
    throw new AppError('unprocessable-entity', 'Moving a case back to an earlier stage needs a reason', { code: 'reason_required' })
  }
  if (step > 1 && !isEarlyClosure(to, input.closureReason)) {
    throw new AppError('conflict', `A case moves forward one stage at a time; the next stage is ${STAGES[indexOf(from) + 1]}`, {
      code: 'stage_skipped',
      nextStage: STAGES[indexOf(from) + 1],
    })
  }
  if (step > 0) {
    const unmet = unmetConditions(to, await readGuardFacts(db, caseId), input.closureReason)
    // Codes only: the facts behind them may be fields this caller cannot read. The conditions are
    // spelled out in English here, like every detail; the error handler says them in the request's language.
    if (unmet.length > 0)
      throw new AppError('guard-failed', `The case does not meet ${unmet.length} condition(s) for ${to}`, {
        unmetConditions: unmet,
        conditions: guardConditions(policy, unmet, 'en'),
      })
  }

  const before = await readLifecycleColumns(db, caseId)
  const closing = to === 'closed'
  const after: LifecycleChange = {
    stage: to,
    status: closing ? 'closed' : 'open',
    closed_at: closing ? new Date().toISOString() : null,
    closure_reason: closing ? (input.closureReason ?? null) : null,
  }
  await updateLifecycleColumns(db, caseId, after)
  const changes: [string, unknown, unknown][] = [
    ['case.stage', before.stage, after.stage],
    ['case.status', before.status, after.status],
    ['case.closedAt', iso(before.closed_at), after.closed_at],
    ['case.closureReason', before.closure_reason, after.closure_reason],
  ]
  await insertHistory(
    db,
    changes
      .filter(([, old, value]) => JSON.stringify(old) !== JSON.stringify(value))
      .map(([field, old, value]) => ({
        case_id: caseId,
        field,
        old_value: old,
        new_value: value,
        actor_id: actor.principal.userId,
        request_id: actor.requestId,
      })),
  )
  const row = await insertTransition(db, {
    id: uuidv7(),
    case_id: caseId,
    from_stage: from,
    to_stage: to,
    reason: input.reason ?? null,
    closure_reason: after.closure_reason,
    actor_id: actor.principal.userId,
    actor_role: actor.principal.role,
  })
  const readable = readableRecordFields(access, TRANSITION_RECORD)
  await recordAudit({
    caseIds: [caseId],
    fields: [...TRANSITION_FIELDS, ...policyFieldsOf(TRANSITION_RECORD, readable)],
    changedFields: TRANSITION_FIELDS,
  })
  // The row is locked and the move bumped only the case's own section, which every reader reads.
  return { view: viewFor(row, readable), version: readerVersion(access, caseRow).version + 1 }
}

export async function listCaseTransitions(db: Kysely<Database>, actor: CaseActor, caseId: string, recordAudit: RecordAudit) {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, TRANSITION_RECORD)
  const rows = await listTransitions(db, caseId)
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(TRANSITION_RECORD, readable) })
  return { items: rows.map((row) => viewFor(row, readable)) }
}

export async function readCaseTransition(db: Kysely<Database>, actor: CaseActor, caseId: string, id: string, recordAudit: RecordAudit) {
  const { access } = await openCase(db, actor, caseId)
  const readable = readableRecordFields(access, TRANSITION_RECORD)
  const row = await findTransition(db, caseId, id)
  if (!row) throw notFound('transition')
  await recordAudit({ caseIds: [caseId], fields: policyFieldsOf(TRANSITION_RECORD, readable) })
  return viewFor(row, readable)
}
