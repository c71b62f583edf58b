import type { Insertable, Kysely, Updateable } from 'kysely'
import { sql } from 'kysely'
import type { AssessmentTable, Database } from '../db/schema.js'

export async function insertAssessment(db: Kysely<Database>, row: Insertable<AssessmentTable>) {
  return db.insertInto('assessments').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function listAssessments(db: Kysely<Database>, caseId: string) {
  return db.selectFrom('assessments').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id').execute()
}

export async function findAssessment(db: Kysely<Database>, caseId: string, id: string) {
  return db.selectFrom('assessments').selectAll().where('case_id', '=', caseId).where('id', '=', id).executeTakeFirst()
}

export async function updateAssessment(db: Kysely<Database>, id: string, expectedVersion: number, changes: Updateable<AssessmentTable>) {
  return db
    .updateTable('assessments')
    .set({ ...changes, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .where('status', '=', 'draft')
    .returningAll()
    .executeTakeFirst()
}

export type AssessmentRow = Awaited<ReturnType<typeof insertAssessment>>
