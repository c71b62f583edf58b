import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * Changes of these fields only, oldest first. The filter is in SQL so an entry of a field the reader
 * may not read is never even fetched. Ids are selected as text: a bigint is not a JavaScript number.
 */
export function listHistoryOfFields(
  db: Kysely<Database>,
  caseId: string,
  fields: readonly string[],
  options: { limit: number; after: string | undefined },
) {
  let query = db
    .selectFrom('case_history')
    .select([sql<string>`case_history.id::text`.as('id'), 'field', 'old_value', 'new_value', 'actor_id', 'changed_at', 'request_id'])
    .where('case_id', '=', caseId)
    .where('field', 'in', [...fields])
    .orderBy('case_history.id')
    .limit(options.limit)
  if (options.after) query = query.where(sql<boolean>`case_history.id > ${options.after}::bigint`)
  return query.execute()
}
