import { readFileSync, writeFileSync } from 'node:fs'
import type pg from 'pg'
import type { CapturedScenarios, CapturedStatement } from './capture-sql.js'

/**
 * Floors for scenarios whose SQL is built per request (name search, tasks): instead of a copy of the
 * query, the floor replays what the service itself sent for the same request path, statement by
 * statement with the same parameters, so it can never drift from the service's SQL. The service's
 * authentication lookup is left out: the floor has none.
 */
export type ReplayScripts = Record<string, readonly CapturedStatement[]>

/** The key of the read's script: one case's statements, replayed for any case id. */
export const READ_SCRIPT = '/cases/:id'

/** The key of the PATCH's script: its statements as templates, filled in per request by the floor. */
export const PATCH_SCRIPT = 'PATCH /cases/:id'

/** Capture names of the replayed scenarios: `<scenario> <request path>`. */
export const replayCaptureName = (scenario: string, path: string) => `${scenario} ${path}`

/** The audit insert as a statement of its own (not when the service folds it into its select). */
export const isAuditInsert = (sql: string) => sql.trim().toLowerCase().startsWith('insert into "audit_events"')

const isUserLookup = (sql: string) => sql.trim().toLowerCase().startsWith('select "users"."id"')

/** The replay scripts by request path, from the captures of the given scenarios. */
export function replayScripts(captured: CapturedScenarios, scenarios: readonly string[]): ReplayScripts {
  const scripts: Record<string, CapturedStatement[]> = {}
  for (const [name, capture] of Object.entries(captured)) {
    const [scenario, path] = name.split(' ')
    if (!scenario || !path || !scenarios.includes(scenario)) continue
    if (capture.status !== 200) throw new Error(`${name}: the service answered ${capture.status} while its SQL was captured`)
    scripts[path] = capture.statements.filter((statement) => !isUserLookup(statement.sql))
  }
  return scripts
}

/** A scenario's script on one case, with the case id it was captured for (replaced by the requested one). */
export function caseScript(captured: CapturedScenarios, scenario: 'read' | 'patch', caseId: string): readonly CapturedStatement[] {
  const capture = captured[scenario]
  if (capture?.status !== 200) throw new Error(`${scenario}: the service answered ${capture?.status} while its SQL was captured`)
  return capture.statements
    .filter((statement) => !isUserLookup(statement.sql))
    .map((statement) => ({
      sql: statement.sql,
      parameters: statement.parameters.map((value) =>
        value === caseId ? CASE_ID : Array.isArray(value) && value.length === 1 && value[0] === caseId ? [CASE_ID] : value,
      ),
    }))
}

/** Stands for the requested case id in a replayed parameter list. */
const CASE_ID = '$bench-case-id$'

export const withCaseId = (value: unknown, caseId: string): unknown =>
  value === CASE_ID ? caseId : Array.isArray(value) ? value.map((item) => withCaseId(item, caseId)) : value

export const writeReplayScripts = (file: string, scripts: ReplayScripts) => writeFileSync(file, JSON.stringify(scripts))
export const readReplayScripts = (file: string): ReplayScripts => JSON.parse(readFileSync(file, 'utf8')) as ReplayScripts

const preparedNames = new Map<string, string>()

/** A statement's name when the floor prepares it (once per connection, as the service does). */
function preparedName(sql: string): string {
  let name = preparedNames.get(sql)
  if (!name) preparedNames.set(sql, (name = `floor_${preparedNames.size + 1}`))
  return name
}

/**
 * Sends the script and answers the rows of its first row-returning query. A script with BEGIN runs
 * on one connection, as the service's transaction does; otherwise each statement takes the pool's
 * next free connection. `prepared` sends each statement by name, prepared once per connection, as
 * the service sends its hot statements (src/db/prepared-statements.ts).
 */
export async function replay(
  pool: pg.Pool,
  script: readonly CapturedStatement[],
  caseId?: string,
  options: { prepared?: boolean } = {},
): Promise<unknown[]> {
  const transactional = script.some((statement) => statement.sql.trim().toLowerCase() === 'begin')
  const client = transactional ? await pool.connect() : undefined
  const db: pg.Pool | pg.PoolClient = client ?? pool
  try {
    let rows: unknown[] | undefined
    for (const statement of script) {
      const parameters = caseId === undefined ? [...statement.parameters] : statement.parameters.map((value) => withCaseId(value, caseId))
      const result = options.prepared
        ? await db.query({ name: preparedName(statement.sql), text: statement.sql, values: parameters })
        : await db.query(statement.sql, parameters)
      if (rows === undefined && result.command === 'SELECT') rows = result.rows
    }
    return rows ?? []
  } catch (error) {
    if (client) await client.query('rollback').catch(() => undefined)
    throw error
  } finally {
    client?.release()
  }
}
