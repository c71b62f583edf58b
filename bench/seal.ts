import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { sealAll as sealChain } from '../src/audit/audit-sealer.js'
import type { Database } from '../src/db/schema.js'

/** Large batches: the generated backlog is sealed in a few hundred transactions, not thousands. */
const GENERATOR_SEAL_BATCH = 10_000

/** Seals every pending audit event with the service's own sealer (same hashes, same chain). */
export async function sealAll(databaseUrl: string): Promise<{ sealed: boolean; events: number }> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) })
  try {
    const events = await sealChain(db, GENERATOR_SEAL_BATCH)
    return { sealed: events > 0, events }
  } finally {
    await db.destroy()
  }
}
