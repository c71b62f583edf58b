// Runs once before the whole suite (tap's `before`): migrates a template database so that every
// test file starts from a clean, migrated copy without running migrations again.
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { migrateToLatest } from '../../src/db/migrate.js'
import { PGLITE_TEMPLATE_FILE, POSTGRES_TEMPLATE_DATABASE, TEST_DIRECTORY, adminUrlFor } from '../helpers/database-names.js'

const databaseUrl = process.env.DATABASE_URL
await mkdir(TEST_DIRECTORY, { recursive: true })
// The log scan after the suite reads every log and marker file present; files of earlier runs go
// after a day (not at once: another run may be using them right now).
for (const directory of ['logs', 'markers']) {
  const folder = path.resolve('.tap', directory)
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    const file = path.join(folder, name)
    if (Date.now() - (await stat(file)).mtimeMs > 24 * 3600_000) await rm(file, { force: true })
  }
}

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
