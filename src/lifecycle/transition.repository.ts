import type { Insertable, Kysely } from 'kysely'
import type { Database, StageTransitionTable } from '../db/schema.js'
import { sectionBump } from '../cases/case.repository.js'
import type { CaseStatus, ClosureReason, Stage } from '../cases/case-sections.js'

export async function insertTransition(db: Kysely<Database>, row: Insertable<StageTransitionTable>) {
  return db.insertInto('stage_transitions').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function listTransitions(db: Kysely<Database>, caseId: string) {
  return db.selectFrom('stage_transitions').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute()
}

export async function findTransition(db: Kysely<Database>, caseId: string, id: string) {
  return db.selectFrom('stage_transitions').selectAll().where('case_id', '=', caseId).where('id', '=', id).executeTakeFirst()
}

export async function readLifecycleColumns(db: Kysely<Database>, caseId: string) {
  return db
    .selectFrom('cases')
    .select(['stage', 'status', 'closed_at', 'closure_reason'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow()
}

/** What a move writes on the case. */
export interface LifecycleChange {
  stage: Stage
  status: CaseStatus
  closed_at: string | null
  closure_reason: ClosureReason | null
}

/** Moves the case (its row is locked by the caller); stage and status are the case's own section. */
export async function updateLifecycleColumns(db: Kysely<Database>, caseId: string, change: LifecycleChange): Promise<void> {
  await db
    .updateTable('cases')
    .set({ ...change, ...sectionBump(['case']) })
    .where('id', '=', caseId)
    .execute()
}
