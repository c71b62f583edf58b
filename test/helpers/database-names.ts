import path from 'node:path'

export const TEST_DIRECTORY = path.resolve('.tap', 'databases')
export const PGLITE_TEMPLATE_FILE = path.join(TEST_DIRECTORY, 'pglite-template.tar')
export const POSTGRES_TEMPLATE_DATABASE = 'atd_test_template'

export function adminUrlFor(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl)
  url.pathname = `/${database}`
  return url.toString()
}
