import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type pg from 'pg'
import { loadPolicy, policyVersion } from '../src/access/policy.js'
import { insertAuditEventsSql } from './audit-sql.js'
import { benchDatabaseUrl, ensureBenchDatabase, withClient } from './bench-database.js'
import { CREATE_PLAN, INSERT_CASES, INSERT_HISTORY, INSERT_PARTICIPANTS, INSERT_PLAN } from './case-sql.js'
import { extraGenerators } from './extra-sql.js'
import { organizations, users } from './population.js'
import { HASH_FUNCTION, UUID_FUNCTION } from './sql-values.js'

export interface GenerateOptions {
  readonly databaseUrl: string
  readonly cases: number
  readonly auditEvents: number
  /** Drop and recreate the database first. */
  readonly reset?: boolean
  readonly log?: (line: string) => void
}

const CASE_BATCH = 50_000
const AUDIT_BATCH = 250_000

/** Loads organisations, users, cases with their sections, participants, history and audit events. */
export async function generate(options: GenerateOptions): Promise<{ seconds: number }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const started = performance.now()
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`
  if (options.reset) await dropDatabase(options.databaseUrl)
  await ensureBenchDatabase(options.databaseUrl)

  await withClient(options.databaseUrl, async (client) => {
    const existing = await client.query<{ count: string }>('SELECT count(*) AS count FROM cases')
    if (Number(existing.rows[0]?.count) > 0) throw new Error('The bench database already holds cases; pass --reset to start over')
    // Bulk loading: nothing here needs to survive a crash of the server.
    await client.query('SET synchronous_commit = off')
    await client.query(HASH_FUNCTION)
    await client.query(UUID_FUNCTION)
    await insertPopulation(client)
    await client.query(CREATE_PLAN)
    for (let from = 1; from <= options.cases; from += CASE_BATCH) {
      const to = Math.min(options.cases, from + CASE_BATCH - 1)
      await client.query('BEGIN')
      for (const statement of [INSERT_PLAN, INSERT_CASES, INSERT_PARTICIPANTS, INSERT_HISTORY]) await client.query(statement, [from, to])
      await client.query('COMMIT')
      log(`  cases ${to.toLocaleString('en')} / ${options.cases.toLocaleString('en')} (${elapsed()})`)
    }
    for (const extra of await extraGenerators(client)) {
      await extra.run(client, options.cases)
      log(`  ${extra.name} (${elapsed()})`)
    }
    const policy = loadPolicy()
    const auditSql = insertAuditEventsSql(policy, policyVersion(policy))
    for (let from = 1; from <= options.auditEvents; from += AUDIT_BATCH) {
      const to = Math.min(options.auditEvents, from + AUDIT_BATCH - 1)
      await client.query(auditSql, [from, to, options.auditEvents, options.cases])
      log(`  audit events ${to.toLocaleString('en')} / ${options.auditEvents.toLocaleString('en')} (${elapsed()})`)
    }
    await client.query('ANALYZE')
  })
  const { sealed } = await sealAuditChain(options.databaseUrl)
  if (sealed) log(`  audit chain sealed (${elapsed()})`)
  // The chain was empty at the first ANALYZE; without statistics a verify page sorts on disk.
  await withClient(options.databaseUrl, (client) => client.query('ANALYZE audit_chain'))
  const seconds = (performance.now() - started) / 1000
  log(
    `generated ${options.cases.toLocaleString('en')} cases and ${options.auditEvents.toLocaleString('en')} audit events in ${seconds.toFixed(1)} s`,
  )
  return { seconds }
}

async function insertPopulation(client: pg.Client): Promise<void> {
  const orgs = organizations()
  await client.query(`INSERT INTO organizations (id, name, kind) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])`, [
    orgs.map((o) => o.id),
    orgs.map((o) => o.name),
    orgs.map((o) => o.kind),
  ])
  const people = users()
  await client.query(
    `INSERT INTO users (id, subject, display_name, role, organization_id) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[])`,
    [
      people.map((u) => u.id),
      people.map((u) => u.subject),
      people.map((u) => `Bench ${u.role} ${u.subject.split('|').slice(2).join('-')}`),
      people.map((u) => u.role),
      people.map((u) => u.organizationId),
    ],
  )
}

/**
 * Seals the generated audit events into the hash chain the way the service does, by running the
 * service's own sealer when the audit chain exists in this tree.
 */
async function sealAuditChain(databaseUrl: string): Promise<{ sealed: boolean }> {
  const { sealAll } = await import('./seal.js')
  return sealAll(databaseUrl)
}

async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error('The bench database name is not a plain identifier')
  const admin = new URL(url)
  admin.pathname = '/postgres'
  await withClient(admin.toString(), (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '100000' },
      'audit-events': { type: 'string', default: '1000000' },
      reset: { type: 'boolean', default: false },
    },
  })
  await generate({
    databaseUrl: benchDatabaseUrl(),
    cases: Number(values.cases),
    auditEvents: Number(values['audit-events']),
    reset: values.reset ?? false,
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
