import { pathToFileURL } from 'node:url'
import Fastify, { type InjectOptions } from 'fastify'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { app, fastifyOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { postgresListen } from '../src/db/notifications.js'
import type { Database } from '../src/db/schema.js'
import { loadPolicy } from '../src/access/policy.js'
import { benchDatabaseUrl, withClient } from './bench-database.js'
import { replayCaptureName } from './replay.js'
import { SEARCH_PATHS, taskPaths } from './scenario-requests.js'
import { ACTORS, caseIdsOf, patchBody } from './scenarios.js'
import { authEnvironment, benchToken, makeBenchKeys } from './tokens.js'

/**
 * Runs each scenario once against the real application, in process, and records every statement it
 * sends to PostgreSQL (BEGIN and COMMIT included): the floor reproduces these, and the count is the
 * number of database round trips per request.
 */
export interface CapturedStatement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

export type CapturedScenarios = Record<string, { status: number; statements: CapturedStatement[] }>

/** Request paths captured one by one for the floor to replay (bench/replay.ts), by scenario. */
export type ReplayedPaths = Readonly<Record<string, readonly string[]>>

export async function captureScenarioSql(databaseUrl: string, replayed: ReplayedPaths = {}): Promise<CapturedScenarios> {
  const keys = makeBenchKeys()
  let recording: CapturedStatement[] | undefined
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [first, second] = args
      const text = typeof first === 'string' ? first : ((first as { text?: string }).text ?? String(first))
      const values = Array.isArray(second) ? second : ((first as { values?: unknown[] }).values ?? [])
      recording?.push({ sql: text, parameters: values })
      return query(...args)
    }
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const config = loadConfig({
    ...authEnvironment(keys),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUDIT_SEAL_INTERVAL_MS: '3600000',
  })
  const fastify = Fastify({ ...fastifyOptions(), logger: false })
  await fastify.register(app, {
    config,
    database: { db, kind: 'postgres', isNew: false, listen: postgresListen(databaseUrl) },
    verificationKey: { kind: 'pem', pem: keys.publicKeyPem },
    policy: loadPolicy(),
  })
  await fastify.ready()
  const [readId, patchId] = await withClient(databaseUrl, (client) => caseIdsOf(client, ACTORS.caseworker.organizationId, 2))
  const auth = (subject: string) => ({ authorization: `Bearer ${benchToken(keys, subject)}` })
  const captured: CapturedScenarios = {}
  // Steady state: each actor's first request fills the principal cache, as it does under load.
  for (const actor of Object.values(ACTORS)) await fastify.inject({ method: 'GET', url: '/me', headers: auth(actor.subject) })
  const capture = async (name: string, request: InjectOptions) => {
    recording = []
    const response = await fastify.inject(request)
    captured[name] = { status: response.statusCode, statements: recording }
    recording = undefined
    return response
  }
  try {
    await capture('read', { method: 'GET', url: `/cases/${readId}`, headers: auth(ACTORS.caseworker.subject) })
    await capture('list', { method: 'GET', url: '/cases?stage=custody&limit=25', headers: auth(ACTORS.protectionOfficer.subject) })
    const before = await fastify.inject({ method: 'GET', url: `/cases/${patchId}`, headers: auth(ACTORS.caseworker.subject) })
    await capture('patch', {
      method: 'PATCH',
      url: `/cases/${patchId}`,
      headers: { ...auth(ACTORS.caseworker.subject), 'if-match': String(before.headers.etag), 'content-type': 'application/json' },
      payload: patchBody(Date.now() % 1_000_000),
    })
    // The protection officer of the federal Procuraduría searches and works through its tasks.
    for (const [scenario, paths] of Object.entries(replayed)) {
      for (const path of paths)
        await capture(replayCaptureName(scenario, path), { method: 'GET', url: path, headers: auth(ACTORS.protectionOfficer.subject) })
    }
    // Last: stale kept figures answer at once and are counted again in the background, whose
    // statements would otherwise be recorded as the next capture's (and replayed by its floor).
    await capture('statistics', { method: 'GET', url: '/statistics', headers: auth(ACTORS.auditor.subject) })
  } finally {
    await fastify.close()
    await db.destroy()
  }
  return captured
}

async function main(): Promise<void> {
  const captured = await captureScenarioSql(benchDatabaseUrl(), { search: SEARCH_PATHS, tasks: taskPaths() })
  for (const [name, { status, statements }] of Object.entries(captured)) {
    process.stdout.write(`\n== ${name}: HTTP ${status}, ${statements.length} statements (database round trips)\n`)
    for (const statement of statements) process.stdout.write(`-- ${JSON.stringify(statement.parameters)}\n${statement.sql};\n`)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
