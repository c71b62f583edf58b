import os from 'node:os'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type pg from 'pg'
import { loadPolicy, policyVersion } from '../src/access/policy.js'
import { insertAuditEventsSql } from './audit-sql.js'
import { benchDatabaseUrl, ensureBenchDatabase, withClient } from './bench-database.js'
import { CREATE_PLAN, INSERT_CASES, INSERT_HISTORY, INSERT_PARTICIPANTS, INSERT_PLAN } from './case-sql.js'
import { extraGenerators } from './extra-sql.js'
import { ensureAssignments } from './assignments.js'
import { dropSecondaryIndexes, recreateIndexes } from './load-indexes.js'
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
    const setAside = await dropSecondaryIndexes(client)
    const statisticsTrigger = await suspendStatisticsTrigger(client)
    await client.query(CREATE_PLAN)
    // Seconds per statement, summed over the batches: which step dominates the load.
    const profile: Record<string, number> = {}
    const timed = async (name: string, work: () => Promise<unknown>) => {
      const statementStarted = performance.now()
      await work()
      profile[name] = (profile[name] ?? 0) + (performance.now() - statementStarted) / 1000
    }
    const caseStatements = { plan: INSERT_PLAN, cases: INSERT_CASES, participants: INSERT_PARTICIPANTS, history: INSERT_HISTORY }
    for (let from = 1; from <= options.cases; from += CASE_BATCH) {
      const to = Math.min(options.cases, from + CASE_BATCH - 1)
      await client.query('BEGIN')
      for (const [name, statement] of Object.entries(caseStatements)) await timed(name, () => client.query(statement, [from, to]))
      await client.query('COMMIT')
      log(`  cases ${to.toLocaleString('en')} / ${options.cases.toLocaleString('en')} (${elapsed()})`)
    }
    for (const extra of await extraGenerators(client)) {
      await timed(extra.name, () => extra.run(client, options.cases))
      log(`  ${extra.name} (${elapsed()})`)
    }
    await timed('assignments', () => ensureAssignments(client))
    const policy = loadPolicy()
    const auditSql = insertAuditEventsSql(policy, policyVersion(policy))
    for (let from = 1; from <= options.auditEvents; from += AUDIT_BATCH) {
      const to = Math.min(options.auditEvents, from + AUDIT_BATCH - 1)
      await timed('audit events', () => client.query(auditSql, [from, to, options.auditEvents, options.cases]))
      log(`  audit events ${to.toLocaleString('en')} / ${options.auditEvents.toLocaleString('en')} (${elapsed()})`)
    }
    if (statisticsTrigger) await timed('statistics copy', () => restoreStatisticsTrigger(client))
    await timed('indexes', () => recreateIndexes(client, setAside, log))
    log(`  indexes rebuilt (${elapsed()})`)
    // VACUUM as well: a database in service has been vacuumed (autovacuum may be off on the bench
    // server), and without a visibility map every index-only scan fetches heap pages.
    await timed('vacuum analyze', () => client.query('VACUUM ANALYZE'))
    log(
      `  seconds per step: ${Object.entries(profile)
        .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
        .join(', ')}`,
    )
  })
  const { sealed } = await sealAuditChain(options.databaseUrl)
  if (sealed) log(`  audit chain sealed (${elapsed()})`)
  // The chain was empty at the first ANALYZE; without statistics a verify page sorts on disk.
  await withClient(options.databaseUrl, (client) => client.query('ANALYZE audit_chain'))
  const seconds = (performance.now() - started) / 1000
  await withClient(options.databaseUrl, (client) => recordGeneration(client, options, seconds))
  log(
    `generated ${options.cases.toLocaleString('en')} cases and ${options.auditEvents.toLocaleString('en')} audit events in ${seconds.toFixed(1)} s`,
  )
  return { seconds }
}

/**
 * The service keeps a copy of each case for statistics with a row trigger; during the load the copy
 * is made once, in one statement (the same function the trigger calls), then the trigger is back.
 */
async function suspendStatisticsTrigger(client: pg.Client): Promise<boolean> {
  const { rowCount } = await client.query(`SELECT 1 FROM pg_trigger WHERE tgname = 'cases_statistics_insert'`)
  if (!rowCount) return false
  await client.query('ALTER TABLE cases DISABLE TRIGGER cases_statistics_insert')
  return true
}

async function restoreStatisticsTrigger(client: pg.Client): Promise<void> {
  await client.query('INSERT INTO case_statistics SELECT s.* FROM cases c, LATERAL case_statistics_of(c) s ON CONFLICT (id) DO NOTHING')
  await client.query('ALTER TABLE cases ENABLE TRIGGER cases_statistics_insert')
}

/** A finished generation leaves this row; a database without it was interrupted and is not reused. */
async function recordGeneration(client: pg.Client, options: GenerateOptions, seconds: number): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS bench_generation (
    cases integer NOT NULL, audit_events integer NOT NULL, seconds double precision NOT NULL,
    load_average double precision[] NOT NULL, finished_at timestamptz NOT NULL DEFAULT now())`)
  await client.query('INSERT INTO bench_generation (cases, audit_events, seconds, load_average) VALUES ($1, $2, $3, $4)', [
    options.cases,
    options.auditEvents,
    Number(seconds.toFixed(1)),
    os.loadavg().map((load) => Number(load.toFixed(2))),
  ])
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
