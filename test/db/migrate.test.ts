import { rm } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { sql } from 'kysely'
import type { Migration } from 'kysely/migration'
import { migrations as landedMigrations } from '../../migrations/index.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { MigrationChangedError, checksumOf, migrationSourceDirectory, migrationSourceReader } from '../../src/db/migration-checksums.js'
import { createTestDatabase } from '../helpers/database.js'
import { copyOfSources, landedChecksums, readLanded, recordedChecksums, sourceDirectory } from '../helpers/migrations.js'

// Landed migrations are frozen: checksums recorded as migrations are applied, checked on every start.
// The statistics copy that moved out of a landed migration: test/db/case-statistics-migration.test.ts.
const AUDIT_CHAIN = '2026-11-25-05-audit-chain'
const FOUNDATION = '2026-11-25-01-foundation'

t.test('a test database starts migrated, with every migration checksum recorded; migrating again changes nothing', async (t) => {
  const { db } = await createTestDatabase(t)
  const tables = await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`.execute(db)
  t.ok(tables.rows.some((row) => row.tablename === 'users'))
  t.same(await recordedChecksums(db), await landedChecksums())
  const again = await migrateToLatest(db)
  t.same(again.results, [])
  t.same(again.baselined, [])
})

t.test('the compiled and the tsx migrator read the same .ts sources', async (t) => {
  t.equal(migrationSourceDirectory(), sourceDirectory)
  t.equal(checksumOf('a\r\nb\rc\n'), checksumOf('a\nb\nc\n'), 'line endings are normalised')
  t.equal(checksumOf('\uFEFFa\n'), checksumOf('a\n'), 'a byte-order mark is dropped')
  t.not(checksumOf('a\n'), checksumOf('a \n'), 'any other change counts')
})

t.test('a changed landed migration refuses to start, naming the migration and nothing of its text', async (t) => {
  const { db } = await createTestDatabase(t)
  const changed = await copyOfSources(t, (name, text) => (name === FOUNDATION ? text.replace('CREATE TABLE', 'CREATE  TABLE') : text))
  const error = await migrateToLatest(db, { readSource: migrationSourceReader(changed) }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  t.type(error, MigrationChangedError)
  const message = (error as Error).message
  t.match(message, FOUNDATION)
  t.notMatch(message, /CREATE|TABLE|[0-9a-f]{16}/, 'no SQL and no checksum in the message')
  const migrated = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(db)
  t.equal(migrated.rows[0]!.n, Object.keys(landedMigrations).length, 'nothing was applied or undone')

  // The same files with Windows line endings are the same migrations.
  const crlf = await copyOfSources(t, (_name, text) => text.replace(/\n/g, '\r\n'))
  t.same((await migrateToLatest(db, { readSource: migrationSourceReader(crlf) })).results, [])
})

t.test('a migration whose source is missing refuses to start', async (t) => {
  const { db } = await createTestDatabase(t)
  const directory = await copyOfSources(t, (_name, text) => text)
  await rm(path.join(directory, `${AUDIT_CHAIN}.ts`))
  await t.rejects(migrateToLatest(db, { readSource: migrationSourceReader(directory) }), {
    message: new RegExp(`${AUDIT_CHAIN}.*Refusing to start`),
  })
})

t.test('a new migration is recorded as it is applied, in its own transaction, and frozen from then on', async (t) => {
  const { db } = await createTestDatabase(t)
  const probe = '2099-12-31-01-probe'
  const broken = '2099-12-31-02-broken'
  const probeText = 'CREATE TABLE migration_probe (id int)\n'
  const probeMigration: Migration = { up: async (trx) => void (await sql.raw(probeText).execute(trx)) }
  const withProbe = { ...landedMigrations, [probe]: probeMigration }
  const readSource = (text: string) => async (name: string) => (name === probe ? text : readLanded(name))

  const applied = await migrateToLatest(db, { migrations: withProbe, readSource: readSource(probeText) })
  t.same(
    applied.results?.map((result) => [result.migrationName, result.status]),
    [[probe, 'Success']],
  )
  t.equal((await recordedChecksums(db)).get(probe), checksumOf(probeText))

  await t.rejects(migrateToLatest(db, { migrations: withProbe, readSource: readSource(`${probeText}-- changed\n`) }), MigrationChangedError)

  // A migration that fails records nothing: its checksum goes with its transaction.
  const failing: Migration = { up: async (trx) => void (await sql`SELECT 1 / 0`.execute(trx)) }
  await t.rejects(
    migrateToLatest(db, {
      migrations: { ...withProbe, [broken]: failing },
      readSource: async (name) => (name === broken ? 'SELECT 1 / 0\n' : readSource(probeText)(name)),
    }),
    { message: `Migration ${broken} failed` },
  )
  t.notOk((await recordedChecksums(db)).has(broken))
})

t.test('a database migrated before checksums were kept gets them recorded on its first start (baseline)', async (t) => {
  const { db } = await createTestDatabase(t)
  await sql`DROP TABLE migration_checksums`.execute(db)
  const first = await migrateToLatest(db)
  t.same(first.results, [])
  t.same(first.baselined, Object.keys(landedMigrations).sort())
  t.same(await recordedChecksums(db), await landedChecksums())

  // One missing checksum (say, applied by an older version of the service) is recorded alone.
  await sql`DELETE FROM migration_checksums WHERE name = ${FOUNDATION}`.execute(db)
  t.same((await migrateToLatest(db)).baselined, [FOUNDATION])
  t.same((await migrateToLatest(db)).baselined, [])
})
