import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { openPGlite } from '../../src/db/pglite.js'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Test } from 'tap'
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.js'
import { PGLITE_TEMPLATE_FILE, POSTGRES_TEMPLATE_DATABASE, adminUrlFor } from './database-names.js'

export interface TestDatabase extends DatabaseHandle {
  /** A URL for a second connection to the same database (PostgreSQL only). */
  readonly url: string | undefined
}

/**
 * A clean, migrated database of this test's own: PostgreSQL when DATABASE_URL is set (a copy of the
 * migrated template database), otherwise an in-memory PGlite loaded from the migrated template dump.
 * It is dropped when the test ends.
 */
export async function createTestDatabase(t: Test): Promise<TestDatabase> {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    const template = await readFile(PGLITE_TEMPLATE_FILE)
    const pglite = await openPGlite(undefined, { loadDataDir: new Blob([template]) })
    const handle = connectDatabase({ databaseUrl: undefined, dataDir: '', pglite })
    t.teardown(() => handle.db.destroy())
    return { ...handle, url: undefined }
  }
  const name = `atd_test_${randomBytes(6).toString('hex')}`
  const admin = adminConnection(databaseUrl)
  await sql.raw(`CREATE DATABASE ${name} TEMPLATE ${POSTGRES_TEMPLATE_DATABASE}`).execute(admin)
  await admin.destroy()
  const url = adminUrlFor(databaseUrl, name)
  const handle = connectDatabase({ databaseUrl: url, dataDir: '' })
  t.teardown(async () => {
    await handle.db.destroy()
    const cleanup = adminConnection(databaseUrl)
    await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(cleanup)
    await cleanup.destroy()
  })
  return { ...handle, url }
}

function adminConnection(databaseUrl: string): Kysely<any> {
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) })
}
