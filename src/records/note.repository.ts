import { type Insertable, type Kysely, type Updateable, sql } from 'kysely'
import type { CaseNoteTable, Database } from '../db/schema.js'

export async function insertNote(db: Kysely<Database>, row: Insertable<CaseNoteTable>) {
  return db.insertInto('case_notes').values(row).returningAll().executeTakeFirstOrThrow()
}

/** A note of this case (a note of another case is not found). */
export async function findNote(db: Kysely<Database>, caseId: string, noteId: string, options: { forUpdate?: boolean } = {}) {
  let query = db.selectFrom('case_notes').selectAll().where('id', '=', noteId).where('case_id', '=', caseId)
  if (options.forUpdate) query = query.forUpdate()
  return query.executeTakeFirst()
}

/** Newest first: ids are time-ordered. */
export async function listNotesOfCase(db: Kysely<Database>, caseId: string, options: { limit: number; before: string | undefined }) {
  let query = db.selectFrom('case_notes').selectAll().where('case_id', '=', caseId).orderBy('id', 'desc').limit(options.limit)
  if (options.before) query = query.where('id', '<', options.before)
  return query.execute()
}

export async function updateNote(
  db: Kysely<Database>,
  noteId: string,
  expectedVersion: number,
  changes: Pick<Updateable<CaseNoteTable>, 'body' | 'category' | 'entered_in_error'>,
) {
  return db
    .updateTable('case_notes')
    .set({ ...changes, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', noteId)
    .where('version', '=', expectedVersion)
    .returningAll()
    .executeTakeFirst()
}
