import type { Kysely, Selectable } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import { insertHistory } from '../cases/case.repository.js'
import { type CaseActor, loadReadableCase } from '../cases/case.service.js'
import type { CaseNoteTable, Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import type { Page } from '../http/pagination.js'
import type { NewNoteInput, NotePatchInput, NoteView } from './note.schemas.js'
import { findNote, insertNote, listNotesOfCase, updateNote } from './note.repository.js'
import { refuseWithheldSection, requireFieldAccess } from './record-access.js'
import { cursorOfId } from './record-cursor.js'

/** The one field of the `notes` section: every note of a case is a value of it. */
export const NOTES_FIELD = 'notes.notes'

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
    body: row.body,
    category: row.category as NoteView['category'],
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    version: row.version,
  }
}

export async function createNote(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: NewNoteInput,
  options: { id?: string },
  recordAudit: RecordAudit,
): Promise<NoteResult> {
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'create', NOTES_FIELD)
  await refuseWithheldSection(db, actor, caseId, NOTES_FIELD)
  const row = await insertNote(db, { id: options.id ?? uuidv7(), case_id: caseId, author_id: actor.principal.userId, body: input.body, category: input.category })
  await insertHistory(db, [
    {
      case_id: caseId,
      field: NOTES_FIELD,
      old_value: null,
      new_value: { id: row.id, category: row.category, body: row.body },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    },
  ])
  await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD] })
  return { view: toNoteView(row), version: row.version }
}

export async function readNote(db: Kysely<Database>, actor: CaseActor, caseId: string, noteId: string, recordAudit: RecordAudit): Promise<NoteResult> {
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'read', NOTES_FIELD)
  await refuseWithheldSection(db, actor, caseId, NOTES_FIELD)
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
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'read', NOTES_FIELD)
  await refuseWithheldSection(db, actor, caseId, NOTES_FIELD)
  const rows = await listNotesOfCase(db, caseId, { limit: query.limit + 1, before: query.before })
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD] })
  const last = page.at(-1)
  return { items: page.map(toNoteView), nextCursor: rows.length > query.limit && last ? cursorOfId(last.id) : null }
}

export async function patchNote(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  noteId: string,
  expectedVersion: number | undefined,
  input: NotePatchInput,
  recordAudit: RecordAudit,
): Promise<NoteResult> {
  const target = await loadReadableCase(db, actor, caseId)
  requireFieldAccess(actor, target, 'update', NOTES_FIELD)
  await refuseWithheldSection(db, actor, caseId, NOTES_FIELD)
  const current = await findNote(db, caseId, noteId, { forUpdate: true })
  if (!current) throw notFound('note')
  if (expectedVersion === undefined || expectedVersion !== current.version) {
    throw new AppError('precondition-failed', 'The note has changed since you read it; read it again and retry')
  }
  const body = input.body ?? current.body
  const category = input.category ?? current.category
  if (body === current.body && category === current.category) {
    await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD] })
    return { view: toNoteView(current), version: current.version }
  }
  const row = await updateNote(db, noteId, current.version, { body, category })
  if (!row) throw new AppError('precondition-failed', 'The note has changed since you read it; read it again and retry')
  await insertHistory(db, [
    {
      case_id: caseId,
      field: NOTES_FIELD,
      old_value: { id: noteId, category: current.category, body: current.body },
      new_value: { id: noteId, category: row.category, body: row.body },
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    },
  ])
  await recordAudit({ caseIds: [caseId], fields: [NOTES_FIELD] })
  return { view: toNoteView(row), version: row.version }
}
