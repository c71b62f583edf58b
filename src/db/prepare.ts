import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import { ensureBootstrapAdmin } from '../users/user.service.js'
import { connectDatabase, type DatabaseHandle } from './connect.js'
import { type DemoUser, loadDemoData } from './demo-data.js'
import { migrateToLatest } from './migrate.js'

/** Connects, migrates, ensures the bootstrap admin, and loads demo data when it should. */
export async function prepareDatabase(config: Config, log: FastifyBaseLogger): Promise<{ handle: DatabaseHandle; demoUsers: DemoUser[] }> {
  const handle = connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  const { results, baselined } = await migrateToLatest(handle.db)
  log.info({ applied: results?.map((result) => result.migrationName) ?? [] }, 'migrations applied')
  if (baselined.length > 0) log.info({ baselined }, 'migration checksums recorded for migrations applied before checksums were kept')
  if (config.bootstrapAdminSubject) await ensureBootstrapAdmin(handle.db, config.bootstrapAdminSubject)
  // Demo data by default only for a new embedded database; never on PostgreSQL unless asked for.
  const wantsDemo = config.demoData ?? (handle.kind === 'pglite' && handle.isNew)
  const demoUsers = wantsDemo ? await loadDemoData(handle.db) : []
  return { handle, demoUsers }
}
