import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Kysely, sql } from 'kysely'
import type { Test } from 'tap'
import { migrations as landedMigrations } from '../../migrations/index.js'
import { checksumOf, migrationSourceReader } from '../../src/db/migration-checksums.js'

export const sourceDirectory = path.resolve('migrations')
export const readLanded = migrationSourceReader(sourceDirectory)

/** The checksums on record in a database, by migration name. */
export async function recordedChecksums(db: Kysely<any>): Promise<Map<string, string>> {
  const { rows } = await sql<{ name: string; checksum: string }>`SELECT name, checksum FROM migration_checksums`.execute(db)
  return new Map(rows.map((row) => [row.name, row.checksum]))
}

/** The checksums of the files in migrations/, by migration name. */
export async function landedChecksums(): Promise<Map<string, string>> {
  const checksums = new Map<string, string>()
  for (const name of Object.keys(landedMigrations)) checksums.set(name, checksumOf(await readLanded(name)))
  return checksums
}

/** A copy of migrations/*.ts in a folder of the test's own, each file's text through edit. */
export async function copyOfSources(t: Test, edit: (name: string, text: string) => string): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'atd-migrations-'))
  t.teardown(() => rm(directory, { recursive: true, force: true }))
  for (const file of await readdir(sourceDirectory)) {
    if (!file.endsWith('.ts')) continue
    const text = await readFile(path.join(sourceDirectory, file), 'utf8')
    await writeFile(path.join(directory, file), edit(file.slice(0, -'.ts'.length), text))
  }
  return directory
}
