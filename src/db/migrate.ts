import type { Kysely } from 'kysely'
import { type Migration, type MigrationResultSet, Migrator } from 'kysely/migration'
import { migrations as landedMigrations } from '../../migrations/index.js'
import {
  checksumOf,
  ensureChecksumTable,
  forgetChecksum,
  type MigrationSourceReader,
  migrationSourceDirectory,
  migrationSourceReader,
  recordChecksum,
  verifyAppliedChecksums,
} from './migration-checksums.js'

export interface MigrateOptions {
  /** The migrations by name (default: migrations/index.ts). */
  readonly migrations?: Readonly<Record<string, Migration>>
  /** Reads a migration's source text (default: migrations/<name>.ts beside src/ or dist/). */
  readonly readSource?: MigrationSourceReader
}

export interface MigrateOutcome extends MigrationResultSet {
  /** Applied migrations that had no checksum recorded and got the current file's (the baseline). */
  readonly baselined: string[]
}

/**
 * Refuses to start when a landed migration's file has changed since the database applied it
 * (src/db/migration-checksums.ts), then applies the pending migrations, each recording its
 * checksum in its own transaction.
 */
export async function migrateToLatest(db: Kysely<any>, options: MigrateOptions = {}): Promise<MigrateOutcome> {
  const migrations = options.migrations ?? landedMigrations
  const readSource = options.readSource ?? migrationSourceReader(migrationSourceDirectory())
  const checksums = new Map<string, string>()
  for (const name of Object.keys(migrations)) checksums.set(name, checksumOf(await readSource(name)))

  await ensureChecksumTable(db)
  const { baselined } = await verifyAppliedChecksums(db, checksums)

  const recorded: Record<string, Migration> = {}
  for (const [name, migration] of Object.entries(migrations)) {
    const checksum = checksums.get(name) as string
    recorded[name] = {
      up: async (trx) => {
        await migration.up(trx)
        await recordChecksum(trx, name, checksum)
      },
      down: async (trx) => {
        await migration.down?.(trx)
        await forgetChecksum(trx, name)
      },
    }
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => recorded } })
  const result = await migrator.migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((migration) => migration.status === 'Error')
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: result.error })
  }
  return { ...result, baselined }
}
