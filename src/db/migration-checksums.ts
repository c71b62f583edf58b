import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Kysely, sql } from 'kysely'

/**
 * Landed migrations are frozen. The migrator records a SHA-256 of each migration's source file
 * (migrations/<name>.ts) in `migration_checksums` when it applies it, and on every start compares the
 * recorded checksum of every applied migration with the file as it is now: a difference refuses the
 * start (MigrationChangedError). A database that applied migrations before checksums were recorded
 * gets the current files' checksums on its first start (the baseline, as Flyway's).
 */
export const CHECKSUM_TABLE = 'migration_checksums'

/**
 * Former checksums of a landed migration whose file was changed afterwards with the change undone
 * elsewhere, so that a database that applied the former text still starts. Add an entry only with a
 * migration that makes both texts end in the same schema, and say why here.
 */
export const SANCTIONED_FORMER_CHECKSUMS: Readonly<Record<string, readonly string[]>> = {
  // Commit 941f7b2 added the statistics copy (case_statistics, its functions and triggers) to this
  // migration after it had landed. The file is back to its landed text (commit 5f188c6); the copy is
  // made by 2026-12-02-60-case-statistics, idempotently, whichever text a database applied. This is
  // the checksum of the 941f7b2 text (test/fixtures/migrations/2026-11-25-05-audit-chain@941f7b2.ts).
  '2026-11-25-05-audit-chain': ['b2a94daeaed4b4326946716710f1aa38ef49c58a96e235f26cd87d50599d7519'],
}

/** A landed migration's file no longer matches what the database applied. Names the migration only. */
export class MigrationChangedError extends Error {
  constructor(readonly migrationName: string) {
    super(
      `Migration ${migrationName} has changed since this database applied it: migrations/${migrationName}.ts ` +
        `no longer matches the checksum recorded in ${CHECKSUM_TABLE}. Landed migrations are frozen; restore ` +
        'the file and put the change in a new migration. Refusing to start.',
    )
    this.name = 'MigrationChangedError'
  }
}

/** SHA-256 (hex) of a migration's source text, line endings normalised to \n and a leading BOM dropped. */
export function checksumOf(source: string): string {
  const normalised = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  return createHash('sha256').update(normalised, 'utf8').digest('hex')
}

/** Reads a migration's source text by name. */
export type MigrationSourceReader = (migrationName: string) => Promise<string>

/** Reads migrations/<name>.ts from the given directory. */
export function migrationSourceReader(directory: string): MigrationSourceReader {
  return async (migrationName) => {
    try {
      return await readFile(path.join(directory, `${migrationName}.ts`), 'utf8')
    } catch {
      throw new Error(
        `The source of migration ${migrationName} (${migrationName}.ts) is not in ${directory}: its checksum cannot be checked. Refusing to start.`,
      )
    }
  }
}

/**
 * The folder of the migrations' .ts sources, the same under tsx and compiled: beside src/ when this
 * file runs as src/db/migration-checksums.ts, and beside dist/ (where the image copies migrations/*.ts)
 * when it runs as dist/src/db/migration-checksums.js. The compiled .js files are never checksummed.
 */
export function migrationSourceDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [path.resolve(here, '../../migrations'), path.resolve(here, '../../../migrations')]
  const found = candidates.find((directory) => existsSync(path.join(directory, 'index.ts')))
  if (!found) {
    throw new Error(
      `The migrations' .ts sources are not in ${candidates.join(' or ')}: their checksums cannot be checked. Refusing to start.`,
    )
  }
  return found
}

/** Creates the checksum table unless it exists (another instance starting at once may create it first). */
export async function ensureChecksumTable(db: Kysely<any>): Promise<void> {
  if (await tableExists(db, CHECKSUM_TABLE)) return
  try {
    await sql
      .raw(
        `CREATE TABLE IF NOT EXISTS ${CHECKSUM_TABLE} (
           name text PRIMARY KEY,
           checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
           recorded_at timestamptz NOT NULL DEFAULT now()
         )`,
      )
      .execute(db)
  } catch (error) {
    if (!(await tableExists(db, CHECKSUM_TABLE))) throw error
  }
}

/** Records a migration's checksum as it is applied (in the migration's own transaction). */
export async function recordChecksum(db: Kysely<any>, migrationName: string, checksum: string): Promise<void> {
  await sql`INSERT INTO migration_checksums (name, checksum) VALUES (${migrationName}, ${checksum})
    ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, recorded_at = now()`.execute(db)
}

/** Forgets a migration's checksum as it is undone (in the migration's own transaction). */
export async function forgetChecksum(db: Kysely<any>, migrationName: string): Promise<void> {
  await sql`DELETE FROM migration_checksums WHERE name = ${migrationName}`.execute(db)
}

/**
 * Compares every applied migration's recorded checksum with its file now; throws MigrationChangedError
 * for the first that differs (and is not a sanctioned former checksum). Applied migrations with no
 * checksum recorded get the current one (the baseline); their names are returned. Applied migrations
 * that are no longer known are left to the migrator, which refuses them itself.
 */
export async function verifyAppliedChecksums(
  db: Kysely<any>,
  currentChecksums: ReadonlyMap<string, string>,
): Promise<{ baselined: string[] }> {
  if (!(await tableExists(db, 'kysely_migration'))) return { baselined: [] }
  const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db)
  const recorded = await sql<{ name: string; checksum: string }>`SELECT name, checksum FROM migration_checksums`.execute(db)
  const recordedByName = new Map(recorded.rows.map((row) => [row.name, row.checksum]))
  const missing: string[] = []
  for (const { name } of applied.rows) {
    const current = currentChecksums.get(name)
    if (current === undefined) continue
    const checksum = recordedByName.get(name)
    if (checksum === undefined) missing.push(name)
    else if (checksum !== current && !(SANCTIONED_FORMER_CHECKSUMS[name] ?? []).includes(checksum)) throw new MigrationChangedError(name)
  }
  for (const name of missing) {
    await sql`INSERT INTO migration_checksums (name, checksum) VALUES (${name}, ${currentChecksums.get(name)}) ON CONFLICT (name) DO NOTHING`.execute(
      db,
    )
  }
  return { baselined: missing }
}

async function tableExists(db: Kysely<any>, table: string): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`SELECT to_regclass(${table})::text AS found`.execute(db)
  return rows[0]?.found != null
}
