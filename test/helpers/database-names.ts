import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Template databases are named after the migrations they hold: a run finds the template its
 * migrations need or makes it, and never drops one another run may be copying at that moment.
 */
function migrationsDigest(): string {
  const directory = path.resolve('migrations')
  const hash = createHash('sha256')
  for (const name of readdirSync(directory).sort()) hash.update(name).update(readFileSync(path.join(directory, name)))
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
