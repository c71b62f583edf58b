// Runs once before the whole suite (tap's `before`): migrates a template database so that every
// test file starts from a clean, migrated copy without running migrations again.
import { existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { openPGlite } from '../../src/db/pglite.js'
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
  const exists = await sql`SELECT 1 FROM pg_database WHERE datname = ${POSTGRES_TEMPLATE_DATABASE}`.execute(admin)
  if (exists.rows.length === 0) {
    // Built under a name of its own, then renamed: a template is complete or absent, never half made.
    const building = `${POSTGRES_TEMPLATE_DATABASE}_${process.pid}`
    await sql.raw(`CREATE DATABASE ${building}`).execute(admin)
    const template = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: adminUrlFor(databaseUrl, building), max: 1 }) }),
    })
    await migrateToLatest(template)
    await template.destroy()
    try {
      await sql.raw(`ALTER DATABASE ${building} RENAME TO ${POSTGRES_TEMPLATE_DATABASE}`).execute(admin)
    } catch {
      await sql.raw(`DROP DATABASE IF EXISTS ${building}`).execute(admin) // another run made it first
    }
  }
  await admin.destroy()
} else if (!existsSync(PGLITE_TEMPLATE_FILE)) {
  const pglite = await openPGlite()
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) })
  await migrateToLatest(db)
  const dump = await pglite.dumpDataDir('none')
  const building = `${PGLITE_TEMPLATE_FILE}.${process.pid}`
  await writeFile(building, Buffer.from(await dump.arrayBuffer()))
  await rename(building, PGLITE_TEMPLATE_FILE)
  await db.destroy()
}
