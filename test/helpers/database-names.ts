import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Template databases are named after the migrations they hold and the migrator that applied them
 * (its checksum table and how it computes checksums): a run finds the template its migrations need
 * or makes it, and never drops one another run may be copying at that moment. Any change to a file
 * in migrations/ or to the migrator names a new template.
 */
function migrationsDigest(): string {
  const directory = path.resolve('migrations')
  const files = [
    ...readdirSync(directory)
      .sort()
      .map((name) => path.join(directory, name)),
    path.resolve('src/db/migrate.ts'),
    path.resolve('src/db/migration-checksums.ts'),
  ]
  const hash = createHash('sha256')
  for (const file of files) hash.update(path.relative(process.cwd(), file)).update('\0').update(readFileSync(file)).update('\0')
  return hash.digest('hex').slice(0, 12)
}

const digest = migrationsDigest()
export const TEST_DIRECTORY = path.resolve('.tap', 'databases')
export const PGLITE_TEMPLATE_FILE = path.join(TEST_DIRECTORY, `pglite-template-${digest}.tar`)
export const POSTGRES_TEMPLATE_DATABASE = `atd_template_${digest}`

export function adminUrlFor(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl)
  url.pathname = `/${database}`
  return url.toString()
}
