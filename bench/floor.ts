import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import pg from 'pg'
import { SESSION_OPTIONS } from '../src/db/connect.js'
import type { CapturedStatement } from './capture-sql.js'
import { PATCH_SCRIPT, READ_SCRIPT, type ReplayScripts, isAuditInsert, readReplayScripts, replay, withCaseId } from './replay.js'

/**
 * The floor: a bare Fastify server that sends PostgreSQL the statements the service itself sent for
 * each scenario (captured by bench/capture-sql.ts, replayed by bench/replay.ts), with no
 * authentication, no policy, no validation and no response schema, so it can never drift from the
 * service's SQL. What no implementation can do without is left: the select, the audit insert, and
 * for a write its transaction. The caller says who it is in headers.
 *
 * `x-bench-floor: naive` on a read asks for the naive floor instead: the textbook audited read,
 * BEGIN; SELECT; INSERT audit; COMMIT on one connection, with the service's own select and insert.
 * `x-bench-audit: off` reads with the service's select alone, to show what the audit record costs.
 * `x-bench-floor: prepared` sends the read's statement prepared once per connection, as the service
 * does, so that the read's overhead can be measured against a floor with the same technique.
 */
export interface FloorOptions {
  readonly databaseUrl: string
  readonly poolSize?: number
  readonly replayScripts: ReplayScripts
}

interface Actor {
  readonly userId: string
}

const actorOf = (request: FastifyRequest): Actor => ({ userId: String(request.headers['x-bench-user']) })

const BEGIN: CapturedStatement = { sql: 'BEGIN', parameters: [] }
const COMMIT: CapturedStatement = { sql: 'COMMIT', parameters: [] }

export async function buildFloor(options: FloorOptions): Promise<FastifyInstance> {
  // The service's pool has 10 connections; the floor gets the same.
  // The same session settings as the service's (src/db/connect.ts), so that both run the same plans.
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    options: SESSION_OPTIONS,
  })
  pool.on('error', () => {})
  const scripts = options.replayScripts
  const readScript = scripts[READ_SCRIPT]
  const patch = patchStatements(scripts)
  const naive = patch && naiveReadScript(scripts, patch)
  if (!readScript || !naive || !patch) throw new Error('the floor needs the captured read and PATCH (bench/run.ts writes them)')

  const app = Fastify({ logger: false })
  app.addHook('onClose', () => pool.end())
  app.get('/health', async () => ({ status: 'ok' }))

  const answerRow = async (script: readonly CapturedStatement[], id: string, reply: FastifyReply, prepared = false) => {
    const [row] = (await replay(pool, script, id, { prepared })) as Record<string, unknown>[]
    if (!row) return reply.code(404).send({ status: 404 })
    return reply.header('etag', floorEtag(row)).send(row)
  }
  app.get<{ Params: { id: string } }>('/cases/:id', async (request, reply) => {
    if (request.headers['x-bench-floor'] === 'naive') {
      const audit = { sql: naive.audit.sql, parameters: naive.audit.parameters.map((value, index) => (index === 0 ? randomUUID() : value)) }
      return answerRow([BEGIN, naive.select, audit, COMMIT], request.params.id, reply)
    }
    if (request.headers['x-bench-audit'] === 'off') return answerRow([naive.select], request.params.id, reply)
    if (request.headers['x-bench-floor'] === 'prepared') return answerRow(readScript, request.params.id, reply, true)
    return answerRow(readScript, request.params.id, reply)
  })

  // The list, the search and the tasks: the service's statements for the same request path.
  const replayed = async (request: FastifyRequest, reply: FastifyReply) => {
    const script = scripts[request.url]
    return script ? { items: await replay(pool, script) } : reply.code(404).send({ status: 404 })
  }
  app.get('/tasks', replayed)
  app.get('/cases', replayed)

  /**
   * PATCH: the service's own statements filled in per request: the locking select, the update with
   * the merged section, a history row per changed field, the audit insert, in one transaction. The
   * version check is the floor's own (its ETag, floorEtag).
   */
  app.patch<{ Params: { id: string }; Body: { contact: Record<string, unknown> } }>('/cases/:id', async (request, reply) => {
    const actor = actorOf(request)
    const id = request.params.id
    const filled = (parameters: readonly unknown[]) => parameters.map((value) => withCaseId(value, id))
    const client = await pool.connect()
    try {
      await client.query('begin')
      const target = (await client.query(patch.lock.sql, filled(patch.lock.parameters))).rows[0]
      if (!target || floorEtag(target) !== request.headers['if-match']) {
        await client.query('rollback')
        return reply.code(target ? 412 : 404).send({ status: target ? 412 : 404 })
      }
      const changes = request.body.contact
      const updateParameters = filled(patch.update.parameters)
      updateParameters[0] = JSON.stringify({ ...target.contact, ...changes })
      const row = (await client.query(patch.update.sql, updateParameters)).rows[0]
      for (const [field, value] of Object.entries(changes)) {
        await client.query(patch.history.sql, [
          id,
          `contact.${field}`,
          JSON.stringify(target.contact[field] ?? null),
          JSON.stringify(value),
          actor.userId,
          request.id,
        ])
      }
      const auditParameters = filled(patch.audit.parameters)
      auditParameters[0] = randomUUID()
      await client.query(patch.audit.sql, auditParameters)
      await client.query('commit')
      return reply.header('etag', floorEtag(row)).send(row)
    } catch (error) {
      await client.query('rollback').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  })
  return app
}

/** The floor's ETag: the sum of the case's section versions, which every write raises. */
function floorEtag(row: Readonly<Record<string, unknown>>): string {
  const versions = Object.values((row.section_versions ?? {}) as Record<string, number>)
  return `"${versions.reduce((sum, version) => sum + version, 0)}"`
}

/** The captured PATCH's statements by what they do; its first parameter of the update is the section. */
function patchStatements(scripts: ReplayScripts) {
  const script = scripts[PATCH_SCRIPT]
  if (!script) return undefined
  const find = (test: (sql: string) => boolean, what: string): CapturedStatement => {
    const statement = script.find((candidate) => test(candidate.sql.trim().toLowerCase()))
    if (!statement) throw new Error(`the captured PATCH has no ${what}`)
    return statement
  }
  const patch = {
    lock: find((sql) => sql.startsWith('select') && sql.endsWith('for update'), 'locking select'),
    update: find((sql) => sql.startsWith('update "cases"'), 'update'),
    history: find((sql) => sql.startsWith('insert into "case_history"'), 'history insert'),
    audit: find(isAuditInsert, 'audit insert'),
  }
  if (typeof patch.update.parameters[0] !== 'string' || !String(patch.update.parameters[0]).startsWith('{'))
    throw new Error('the captured PATCH update no longer takes the section as its first parameter')
  return patch
}

/**
 * The naive read's statements: the `found` select of the service's one-statement read (its first
 * CTE, whose parameters come first), and the service's audit insert renamed to a read of that case.
 */
function naiveReadScript(scripts: ReplayScripts, patch: NonNullable<ReturnType<typeof patchStatements>>) {
  const read = scripts[READ_SCRIPT]?.[0]
  if (!read?.sql.startsWith('WITH found AS (')) return undefined
  let depth = 0
  let end = -1
  const start = 'WITH found AS '.length
  for (let index = start; index < read.sql.length; index++) {
    if (read.sql[index] === '(') depth++
    if (read.sql[index] === ')' && --depth === 0) {
      end = index
      break
    }
  }
  const select = read.sql.slice(start + 1, end)
  const used = Math.max(...[...select.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])))
  const fields = read.parameters.find((value) => Array.isArray(value) && value.length > 1 && String(value[0]).includes('.'))
  // The insert's columns, in the order of its parameters.
  const columns = (/\(([^)]*)\) values/.exec(patch.audit.sql)?.[1] ?? '').split(',').map((column) => column.trim().replaceAll('"', ''))
  const readValues: Record<string, unknown> = { action: 'case.read', fields, changed_fields: [] }
  const audit = {
    sql: patch.audit.sql,
    parameters: patch.audit.parameters.map((value, index) => {
      const column = columns[index] ?? ''
      return column in readValues ? readValues[column] : value
    }),
  }
  return { select: { sql: select, parameters: read.parameters.slice(0, used) }, audit }
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('DATABASE_URL is required')
  const replayFile = process.env.FLOOR_REPLAY_FILE
  if (!replayFile) throw new Error('FLOOR_REPLAY_FILE is required (bench/run.ts writes it)')
  const app = await buildFloor({ databaseUrl, replayScripts: readReplayScripts(replayFile) })
  const close = () => void app.close().then(() => process.exit(0))
  process.on('SIGTERM', close)
  process.on('SIGINT', close)
  await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
