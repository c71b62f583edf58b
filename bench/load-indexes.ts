import type pg from 'pg'

/**
 * Bulk loading into indexed tables costs one index update per row and index; building each index
 * once after the load is several times faster. Only plain secondary indexes are set aside: primary
 * keys, unique indexes and indexes behind a constraint stay, so the load is checked as the service's
 * writes are. The tables stay logged: the measured database must be an ordinary one.
 */
export const LOADED_TABLES = [
  'cases',
  'case_history',
  'case_participants',
  'placements',
  'stage_transitions',
  'assessments',
  'determinations',
  'case_notes',
  'audit_events',
] as const

export interface SetAsideIndex {
  readonly name: string
  readonly definition: string
}

/** Drops the plain secondary indexes of the loaded tables and returns their definitions. */
export async function dropSecondaryIndexes(client: pg.Client): Promise<SetAsideIndex[]> {
  const { rows } = await client.query<SetAsideIndex>(
    `SELECT quote_ident(index_class.relname) AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i
     JOIN pg_class table_class ON table_class.oid = i.indrelid
     JOIN pg_class index_class ON index_class.oid = i.indexrelid
     WHERE table_class.relnamespace = 'public'::regnamespace AND table_class.relname = ANY($1::text[])
       AND NOT i.indisunique AND NOT i.indisprimary
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    [[...LOADED_TABLES]],
  )
  for (const index of rows) await client.query(`DROP INDEX ${index.name}`)
  return rows
}

/** Builds the indexes set aside, with a larger sort memory than the server's default. */
export async function recreateIndexes(client: pg.Client, indexes: readonly SetAsideIndex[], log: (line: string) => void): Promise<void> {
  await client.query(`SET maintenance_work_mem = '1GB'`)
  for (const index of indexes) {
    const started = performance.now()
    await client.query(index.definition)
    log(`    index ${index.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  }
  await client.query('RESET maintenance_work_mem')
}
