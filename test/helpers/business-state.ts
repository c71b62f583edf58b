import { type Kysely, sql } from 'kysely'
import type { Database } from '../../src/db/schema.js'

/**
 * The tables that hold what the service knows about children, people and organisations: a refused
 * request must leave every one of them as it was.
 */
export const BUSINESS_TABLES = [
  'organizations',
  'users',
  'cases',
  'case_number_counters',
  'case_statistics',
  // The words of children's names (search's dictionary): a refused request adds none.
  'name_words',
  'case_participants',
  'case_history',
  'case_notes',
  'case_assignments',
  'consents',
  'placements',
  'placement_corrections',
  'stage_transitions',
  'assessments',
  'determinations',
  'referrals',
  'transfers',
  'non_working_days',
] as const

/**
 * Tables that are meant to change on a refusal (the trail records it, the sealer seals it) or that
 * are the machinery's own, not business state.
 */
export const NOT_BUSINESS_TABLES = [
  'audit_events',
  'audit_chain',
  'audit_pending',
  'idempotency_keys',
  'instance_secrets',
  'kysely_migration',
  'kysely_migration_lock',
  'migration_checksums',
  // Published statistics, counted again at most once a minute: derived, never business state.
  'statistics_snapshots',
] as const

// One statement: an md5 per table over its rows in a fixed order. Ordering by the row's own text
// needs no knowledge of each table's key and is as deterministic.
const FINGERPRINT = sql.raw(
  `SELECT ${BUSINESS_TABLES.map(
    (table) => `(SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM ${table} r) AS ${table}`,
  ).join(', ')}`,
)

/** A cheap digest of all business state, table by table: equal digests, nothing changed. */
export type Fingerprint = Readonly<Record<(typeof BUSINESS_TABLES)[number], string>>

export async function businessFingerprint(db: Kysely<Database>): Promise<Fingerprint> {
  const { rows } = await FINGERPRINT.execute(db)
  return rows[0] as Fingerprint
}

/** The business tables whose content differs between two fingerprints. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  return BUSINESS_TABLES.filter((table) => before[table] !== after[table])
}

/** Tables of the database that neither list names: a new table must be sorted into one of them. */
export async function unsortedTables(db: Kysely<Database>): Promise<string[]> {
  const known = new Set<string>([...BUSINESS_TABLES, ...NOT_BUSINESS_TABLES])
  const { rows } = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`.execute(db)
  return rows.map((row) => row.name).filter((name) => !known.has(name))
}
