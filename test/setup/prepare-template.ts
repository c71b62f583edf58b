// Runs once before the whole suite (tap's `before`): migrates a template database so that every
// test file starts from a clean, migrated copy without running migrations again.
import { writeFile, mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { migrateToLatest } from '../../src/db/migrate.js'
import { PGLITE_TEMPLATE_FILE, POSTGRES_TEMPLATE_DATABASE, TEST_DIRECTORY, adminUrlFor } from '../helpers/database-names.js'

const databaseUrl = process.env.DATABASE_URL
await mkdir(TEST_DIRECTORY, { recursive: true })

if (databaseUrl) {
  const admin = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) })
  await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${POSTGRES_TEMPLATE_DATABASE}`.execute(admin)
  await sql.raw(`DROP DATABASE IF EXISTS ${POSTGRES_TEMPLATE_DATABASE}`).execute(admin)
  await sql.raw(`CREATE DATABASE ${POSTGRES_TEMPLATE_DATABASE}`).execute(admin)
  await admin.destroy()
  const template = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: adminUrlFor(databaseUrl, POSTGRES_TEMPLATE_DATABASE), max: 1 }) }),
  })
  await migrateToLatest(template)
  await template.destroy()
} else {
  const pglite = new PGlite()
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) })
  await migrateToLatest(db)
  const dump = await pglite.dumpDataDir('none')
  await writeFile(PGLITE_TEMPLATE_FILE, Buffer.from(await dump.arrayBuffer()))
  await db.destroy()
}
