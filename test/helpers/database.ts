import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { PGlite } from '@electric-sql/pglite'
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
    t.teardown(() => closePGlite(handle, pglite))
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

/**
 * An empty database of this test's own, with no migration applied: a new PostgreSQL database when
 * DATABASE_URL is set, otherwise a new in-memory PGlite. It is dropped when the test ends.
 */
export async function createEmptyDatabase(t: Test): Promise<DatabaseHandle> {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    const pglite = await openPGlite()
    const handle = connectDatabase({ databaseUrl: undefined, dataDir: '', pglite })
    t.teardown(() => closePGlite(handle, pglite))
    return handle
  }
  const name = `atd_test_${randomBytes(6).toString('hex')}`
  const admin = adminConnection(databaseUrl)
  await sql.raw(`CREATE DATABASE ${name}`).execute(admin)
  await admin.destroy()
  const handle = connectDatabase({ databaseUrl: adminUrlFor(databaseUrl, name), dataDir: '' })
  t.teardown(async () => {
    await handle.db.destroy()
    const cleanup = adminConnection(databaseUrl)
    await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(cleanup)
    await cleanup.destroy()
  })
  return handle
}

/**
 * Kysely closes PGlite only if a query went through it; a database the test never queried (say, a
 * start refused before its first query) would keep the process alive, so it is closed here too.
 */
async function closePGlite(handle: DatabaseHandle, pglite: PGlite): Promise<void> {
  await handle.db.destroy()
  if (!pglite.closed) await pglite.close()
}

function adminConnection(databaseUrl: string): Kysely<any> {
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) })
}
