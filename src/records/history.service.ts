import type { Kysely } from 'kysely'
import type { RecordAudit } from '../audit/audited.js'
import { type CaseActor, openCase } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import type { Page } from '../http/pagination.js'
import type { HistoryEntry } from './history.schemas.js'
import { listHistoryOfFields } from './history.repository.js'

const cursorOf = (id: string) => encodeCursor('history', id)

export function historyIdFromCursor(cursor: string | undefined): string | undefined {
  return decodeCursor('history', cursor, ['serial'])?.[0]
}

/**
 * The change history a reader may see: entries of the fields the access rule lets it read on this
 * case, with their values; of every other field nothing, not even that it changed.
 */
export async function readHistory(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  query: { limit: number; after: string | undefined },
  recordAudit: RecordAudit,
): Promise<Page<HistoryEntry>> {
  const { access } = await openCase(db, actor, caseId)
  const fields = access.readableFields()
  const rows = fields.length > 0 ? await listHistoryOfFields(db, caseId, fields, { limit: query.limit + 1, after: query.after }) : []
  const page = rows.slice(0, query.limit)
  await recordAudit({ caseIds: [caseId], fields: page.map((row) => row.field) })
  const last = page.at(-1)
  return {
    items: page.map((row) => ({
      id: row.id,
      field: row.field,
      oldValue: row.old_value ?? null,
      newValue: row.new_value ?? null,
      actorId: row.actor_id,
      changedAt: new Date(row.changed_at).toISOString(),
      requestId: row.request_id,
    })),
    nextCursor: rows.length > query.limit && last ? cursorOf(last.id) : null,
  }
}
