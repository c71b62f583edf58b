import { type Kysely, sql } from 'kysely'

/**
 * Participation answered from the index alone (issues 12 and 15).
 *
 * Every list, search and read asks, per case, whether the reader's organisation takes part in it
 * live, and with which sections (case-scope.ts, case-access-sql.ts). The live index held only
 * (organization_id, case_id), so the section question fetched the participation row from the heap:
 * at a million cases, a common name's 200 candidates cost 200 heap fetches more than they need.
 * The unique live index now carries the sections (INCLUDE), and a second live index per case carries
 * the organisation, so both questions are index-only scans. The unique index keeps the same key and
 * predicate, so `ON CONFLICT (organization_id, case_id) WHERE ended_at IS NULL` still infers it.
 */
const statements = [
  `CREATE UNIQUE INDEX case_participants_live_sections_idx ON case_participants (organization_id, case_id)
     INCLUDE (sections) WHERE ended_at IS NULL`,
  `DROP INDEX case_participants_live_idx`,
  `CREATE INDEX case_participants_live_case_idx ON case_participants (case_id) INCLUDE (organization_id) WHERE ended_at IS NULL`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `DROP INDEX case_participants_live_case_idx`,
    `CREATE UNIQUE INDEX case_participants_live_idx ON case_participants (organization_id, case_id) WHERE ended_at IS NULL`,
    `DROP INDEX case_participants_live_sections_idx`,
  ]) {
    await sql.raw(statement).execute(db)
  }
}
