import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { NOTE_RECORD, readableRecordFields, requireAuthorOrganization, requireRecordWrite } from '../access/record-classes.js'
import type { RecordAudit } from '../audit/audited.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { CaseNoteTable, Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import type { Page } from '../http/pagination.js'
import type { NewNoteInput, NotePatchInput, NoteView } from './note.schemas.js'
import { findNote, insertNote, listNotesOfCase, updateNote } from './note.repository.js'
import { cursorOfId } from './record-cursor.js'

/** The one field of the `notes` section: every note of a case is a value of it. */
export const NOTES_FIELD = NOTE_RECORD.anchor

export interface NoteResult {
  readonly view: NoteView
  readonly version: number
}

const iso = (value: Date | string) => new Date(value).toISOString()

export function toNoteView(row: Selectable<CaseNoteTable>): NoteView {
  return {
    id: row.id,
    caseId: row.case_id,
    authorId: row.author_id,
    authorOrganizationId: row.author_organization_id,
    body: row.body,
    category: row.category,
    enteredInError: row.entered_in_error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    version: row.version,
  }
}

const historyValue = (row: Selectable<CaseNoteTable>) => ({
  id: row.id,
  category: row.category,
  body: row.body,
  enteredInError: row.entered_in_error,
})

/** The notes of a case the caller may read (and, for a write, write), or 403 naming the wall. */
async function openNotes(db: Kysely<Database>, actor: CaseActor, caseId: string, write?: 'create' | 'update') {
  const open = await openCase(db, actor, caseId)
  if (write) requireRecordWrite(open.access, NOTE_RECORD, write)
  readableRecordFields(open.access, NOTE_RECORD)
  return open
}

export async function createNote(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewNoteInput,
  options: { id?: string },
  recordAudit: RecordAudit,
): Promise<NoteResult> {
  await openNotes(db, actor, caseId, 'create')
  const row = await insertNote(db, {
    id: options.id ?? uuidv7(),
    case_id: caseId,
    author_id: actor.principal.userId,
    author_organization_id: actor.principal.organizationId,
    body: input.body,
    category: input.category,
  })
  await insertHistory(db, [
    {
      case_id: caseId,
      field: NOTES_FIELD,
      old_value: null,
      new_value: historyValue(row),
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    },
  ])
  await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD], changedFields: [NOTES_FIELD] })
  return { view: toNoteView(row), version: row.version }
}

export async function readNote(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  noteId: string,
  recordAudit: RecordAudit,
): Promise<NoteResult> {
  await openNotes(db, actor, caseId)
  const row = await findNote(db, caseId, noteId)
  if (!row) throw notFound('note')
  await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD] })
  return { view: toNoteView(row), version: row.version }
}

export async function listNotes(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; before: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<NoteView>> {
  await openNotes(db, actor, caseId)
  const rows = await listNotesOfCase(db, caseId, { limit: query.limit + 1, before: query.before })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD] })
  const last = page.at(-1)
  return { items: page.map(toNoteView), nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null }
}

/** A note is corrected only by its author's organisation, never deleted; every correction keeps the earlier text in the history. */
export async function patchNote(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  noteId: string,
  expectedVersion: number | undefined,
  input: NotePatchInput,
  recordAudit: RecordAudit,
): Promise<NoteResult> {
  await openNotes(db, actor, caseId, 'update')
  const current = await findNote(db, caseId, noteId, { forUpdate: true })
  if (!current) throw notFound('note')
  requireAuthorOrganization(current.author_organization_id, actor.principal.organizationId, 'a note')
  if (expectedVersion === undefined || expectedVersion !== current.version) {
    throw new AppError('precondition-failed', 'The note has changed since you read it; read it again and retry')
  }
  const body = input.body ?? current.body
  const category = input.category ?? current.category
  const enteredInError = input.enteredInError ?? current.entered_in_error
  if (body === current.body && category === current.category && enteredInError === current.entered_in_error) {
    await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD] })
    return { view: toNoteView(current), version: current.version }
  }
  const row = await updateNote(db, noteId, current.version, { body, category, entered_in_error: enteredInError })
  if (!row) throw new AppError('precondition-failed', 'The note has changed since you read it; read it again and retry')
  await insertHistory(db, [
    {
      case_id: caseId,
      field: NOTES_FIELD,
      old_value: historyValue(current),
      new_value: historyValue(row),
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    },
  ])
  await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD], changedFields: [NOTES_FIELD] })
  return { view: toNoteView(row), version: row.version }
}
