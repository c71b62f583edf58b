import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t, { type Test } from 'tap'
import { type Kysely, sql } from 'kysely'
import { type Migration, Migrator } from 'kysely/migration'
import { migrations as landedMigrations } from '../../migrations/index.js'
import { loadDemoData } from '../../src/db/demo-data.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { SANCTIONED_FORMER_CHECKSUMS, checksumOf } from '../../src/db/migration-checksums.js'
import { createEmptyDatabase, createTestDatabase } from '../helpers/database.js'
import { landedChecksums, readLanded, recordedChecksums } from '../helpers/migrations.js'
import * as auditChainWithStatistics from '../fixtures/migrations/2026-11-25-05-audit-chain@941f7b2.js'

// The statistics copy (case_statistics, its functions and triggers) was added by commit 941f7b2 to
// the audit-chain migration after it had landed. It now has a migration of its own, idempotent, and
// the audit-chain file is back to its landed text; the 941f7b2 text is a sanctioned former checksum.
// Every kind of database ends with the same schema as a new one.
const AUDIT_CHAIN = '2026-11-25-05-audit-chain'
const CASE_STATISTICS = '2026-12-02-60-case-statistics'
const FOUNDATION = '2026-11-25-01-foundation'
/** The audit-chain migration as it was after commit 941f7b2 (`git show 941f7b2:migrations/…`). */
const FIXTURE_FILE = path.resolve('test/fixtures/migrations/2026-11-25-05-audit-chain@941f7b2.ts')

/** Everything a schema is made of in the public schema, data aside, in a stable order. */
async function schemaOf(db: Kysely<any>): Promise<unknown> {
  const columns = await sql`SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`.execute(db)
  const constraints = await sql`SELECT conrelid::regclass::text AS relation, conname, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`.execute(db)
  const indexes = await sql`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`.execute(db)
  const triggers = await sql`SELECT tgrelid::regclass::text AS relation, tgname, pg_get_triggerdef(oid) AS definition
    FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`.execute(db)
  const functions = await sql`SELECT proname, pg_get_function_identity_arguments(oid) AS arguments, pg_get_functiondef(oid) AS definition
    FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prokind IN ('f', 'p') ORDER BY 1, 2`.execute(db)
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows, triggers: triggers.rows, functions: functions.rows }
}

/** The landed migrations as a database in the field ran them before the statistics copy moved. */
function migrationsBeforeTheMove(auditChain: Migration): Record<string, Migration> {
  const before: Record<string, Migration> = Object.fromEntries(Object.entries(landedMigrations).filter(([name]) => name < CASE_STATISTICS))
  before[AUDIT_CHAIN] = auditChain
  return before
}

/** What such a database runs on its upgrade: the statistics copy's migration and every later one. */
const AFTER_THE_MOVE = Object.keys(landedMigrations)
  .filter((name) => name >= CASE_STATISTICS)
  .sort()

/**
 * Applies migrations with kysely's own migrator, as the service did before checksums were kept. (A
 * database that ran the 941f7b2 text before checksums were kept is not made here: migrating one from
 * empty costs a minute on shared cores, and its two halves are tested, the baseline in
 * migrate.test.ts and the idempotent upgrade below.)
 */
async function migrateWithoutChecksums(db: Kysely<any>, migrations: Record<string, Migration>): Promise<void> {
  const result = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest()
  if (result.error) throw result.error
}

async function statisticsCoverEveryCase(t: Test, db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ cases: number; copies: number }>`SELECT (SELECT count(*)::int FROM cases) AS cases,
    (SELECT count(*)::int FROM case_statistics s JOIN cases c USING (id)) AS copies`.execute(db)
  t.ok(rows[0]!.cases > 0, 'the database holds cases')
  t.equal(rows[0]!.copies, rows[0]!.cases, 'every case has its statistics copy')
}

const fixture = await readFile(FIXTURE_FILE, 'utf8')
const current = await readLanded(AUDIT_CHAIN)
// A new database: the test template is migrated from empty by the same migrator, with every migration.
const fresh = await createTestDatabase(t)
const freshSchema = await schemaOf(fresh.db)

t.test('the sanctioned former checksum is the 941f7b2 text, and only that file has one', async (t) => {
  t.same(SANCTIONED_FORMER_CHECKSUMS, { [AUDIT_CHAIN]: [checksumOf(fixture)] })
  t.not(checksumOf(current), checksumOf(fixture))
  t.notMatch(current, /case_statistics/, 'the audit-chain migration is back to its landed text')
  t.match(fixture, /CREATE TABLE case_statistics/)
})

t.test('a new database: the table comes from the migration of its own, and the trigger keeps it', async (t) => {
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration WHERE name = ${CASE_STATISTICS}`.execute(fresh.db)
  t.equal(rows.length, 1, 'the statistics copy has its own migration')
  await loadDemoData(fresh.db)
  await statisticsCoverEveryCase(t, fresh.db)
})

t.test('a database that ran the 941f7b2 text with its checksum recorded upgrades', async (t) => {
  const { db } = await createEmptyDatabase(t)
  const before = migrationsBeforeTheMove(auditChainWithStatistics)
  await migrateToLatest(db, { migrations: before, readSource: async (name) => (name === AUDIT_CHAIN ? fixture : readLanded(name)) })
  t.equal((await recordedChecksums(db)).get(AUDIT_CHAIN), checksumOf(fixture))
  await loadDemoData(db)

  const { results, baselined } = await migrateToLatest(db)
  t.same(
    results?.map((result) => [result.migrationName, result.status]),
    AFTER_THE_MOVE.map((name) => [name, 'Success']),
  )
  t.same(baselined, [])
  t.equal((await recordedChecksums(db)).get(AUDIT_CHAIN), checksumOf(fixture), 'the checksum of what it ran stays on record')
  t.same(await schemaOf(db), freshSchema)
  await statisticsCoverEveryCase(t, db)
  t.same((await migrateToLatest(db)).results, [])
})

t.test('a database that ran the audit chain as it landed, without the copy, gets it and its backfill', async (t) => {
  const { db } = await createEmptyDatabase(t)
  const before = migrationsBeforeTheMove(landedMigrations[AUDIT_CHAIN]!)
  await migrateWithoutChecksums(db, before)
  await loadDemoData(db)
  const table = await sql<{ found: string | null }>`SELECT to_regclass('case_statistics')::text AS found`.execute(db)
  t.equal(table.rows[0]!.found, null, 'no statistics copy before the upgrade')
  const { results, baselined } = await migrateToLatest(db)
  t.same(
    results?.map((result) => result.migrationName),
    AFTER_THE_MOVE,
  )
  t.same(baselined, Object.keys(before).sort(), 'the checksums of what it ran are recorded (the baseline)')
  t.same(await schemaOf(db), freshSchema)
  await statisticsCoverEveryCase(t, db)
})

t.test('the sanctioned checksum is accepted for its own file only; any other recorded text refuses', async (t) => {
  const { db } = await createTestDatabase(t)
  await sql`UPDATE migration_checksums SET checksum = ${checksumOf(fixture)} WHERE name = ${FOUNDATION}`.execute(db)
  await t.rejects(migrateToLatest(db), { name: 'MigrationChangedError', message: new RegExp(`^Migration ${FOUNDATION} has changed`) })
  await sql`UPDATE migration_checksums SET checksum = ${(await landedChecksums()).get(FOUNDATION)} WHERE name = ${FOUNDATION}`.execute(db)
  await sql`UPDATE migration_checksums SET checksum = ${checksumOf(`${fixture}\n`)} WHERE name = ${AUDIT_CHAIN}`.execute(db)
  await t.rejects(migrateToLatest(db), { name: 'MigrationChangedError', message: new RegExp(`^Migration ${AUDIT_CHAIN} has changed`) })
  await sql`UPDATE migration_checksums SET checksum = ${checksumOf(fixture)} WHERE name = ${AUDIT_CHAIN}`.execute(db)
  t.same((await migrateToLatest(db)).results, [], 'the 941f7b2 text is accepted')
})
