import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { migrateToLatest } from '../src/db/migrate.js'

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/atd_bench'

export const benchDatabaseUrl = (): string => process.env.DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL

/** The same server's maintenance database, to create the bench database from. */
function maintenanceUrl(url: string): string {
  const parsed = new URL(url)
  parsed.pathname = '/postgres'
  return parsed.toString()
}

function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`The bench database name "${name}" is not a plain identifier`)
  return name
}

/** Creates the bench database when missing and migrates it with the service's own migrations. */
export async function ensureBenchDatabase(url: string): Promise<void> {
  const name = databaseNameOf(url)
  const admin = new pg.Client({ connectionString: maintenanceUrl(url) })
  await admin.connect()
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) })
  try {
    await migrateToLatest(db)
  } finally {
    await db.destroy()
  }
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function tableExists(client: pg.Client, table: string): Promise<boolean> {
  const result = await client.query('SELECT to_regclass($1) AS name', [`public.${table}`])
  return result.rows[0]?.name !== null
}

/**
 * Waits until the service's sealer has chained every audit event written so far (`audit_pending`
 * empty), for at most `seconds`; answers how many events were still pending then. The runs before
 * leave events behind (a read floor alone writes tens of thousands), and the sealer would chain
 * them during the next measured run: the run after the read scenario, always the service's, would
 * pay for the floors' backlog.
 */
export async function awaitSealed(url: string, seconds = 60): Promise<number> {
  return withClient(url, async (client) => {
    const deadline = Date.now() + seconds * 1000
    for (;;) {
      const pending = Number((await client.query('SELECT count(*) AS pending FROM audit_pending')).rows[0].pending)
      if (pending === 0 || Date.now() > deadline) return pending
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })
}

/**
 * Waits until no other statement runs in the database: the statements of a run whose clients gave up
 * (autocannon's timeout) go on in the server and would be measured against the next run. What still
 * runs after `seconds` is cancelled. Returns how many statements were cancelled.
 */
export async function quiesce(url: string, seconds = 30): Promise<number> {
  const running = `SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`
  return withClient(url, async (client) => {
    const deadline = Date.now() + seconds * 1000
    while (Date.now() < deadline) {
      if (!(await client.query(running)).rowCount) return 0
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    return (await client.query(`SELECT pg_cancel_backend(pid) FROM (${running}) AS still`)).rowCount ?? 0
  })
}
