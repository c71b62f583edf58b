import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import pg from 'pg'
import { loadPolicy, policyVersion } from '../src/access/policy.js'
import { readableFieldsOf } from './audit-sql.js'
import { INSERT_AUDIT_EVENT, INSERT_HISTORY, UPDATE_CONTACT, listCasesSql, readCaseSql } from './floor-sql.js'
import { READ_SCRIPT, type ReplayScripts, isAuditInsert, readReplayScripts, replay } from './replay.js'
import { SEARCH_WORK_MEM } from '../src/db/connect.js'

/**
 * The floor: a bare Fastify server that sends PostgreSQL the same statements the service sends for
 * each scenario (bench/floor-sql.ts), with no authentication, no policy, no validation and no
 * response schema. The caller says who it is in headers. What no implementation can do without:
 * the select, the audit insert, and for a write its transaction.
 *
 * Reads send the select and the audit insert as two statements without BEGIN/COMMIT: the audit row
 * is written before the response leaves, which is all a read needs. A write keeps its transaction,
 * since the change and its audit record must commit together.
 *
 * `x-bench-floor: naive` on a read asks for the naive floor instead: the textbook audited read,
 * BEGIN; SELECT; INSERT audit; COMMIT on one connection.
 *
 * Search and tasks replay the service's own captured statements for the same path (bench/replay.ts).
 */
export interface FloorOptions {
  readonly databaseUrl: string
  readonly poolSize?: number
  readonly replayScripts?: ReplayScripts
}

interface Actor {
  readonly userId: string
  readonly organizationId: string
  readonly role: string
}

const actorOf = (request: FastifyRequest): Actor => ({
  userId: String(request.headers['x-bench-user']),
  organizationId: String(request.headers['x-bench-org']),
  role: String(request.headers['x-bench-role']),
})

export async function buildFloor(options: FloorOptions): Promise<FastifyInstance> {
  // The service's pool has 10 connections; the floor gets the same.
  // The same session settings as the service's (src/db/connect.ts), so that both run the same plans.
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    options: `-c work_mem=${SEARCH_WORK_MEM}`,
  })
  pool.on('error', () => {})
  const policy = loadPolicy()
  const version = policyVersion(policy)
  const sortedFields = (role: string) => [...new Set(readableFieldsOf(policy, role))].sort()
  const fields = { ngo_caseworker: sortedFields('ngo_caseworker'), protection_officer: sortedFields('protection_officer') }
  const readSql = readCaseSql(false)
  const lockSql = readCaseSql(true)
  const listSql = listCasesSql()

  const audit = (db: pg.Pool | pg.PoolClient, actor: Actor, action: string, caseIds: string[], disclosed: string[]) =>
    db.query(INSERT_AUDIT_EVENT, [
      randomUUID(),
      actor.userId,
      actor.role,
      actor.organizationId,
      action,
      caseIds,
      disclosed,
      'allowed',
      null,
      version,
      null,
    ])

  const app = Fastify({ logger: false })
  app.addHook('onClose', () => pool.end())
  app.get('/health', async () => ({ status: 'ok' }))

  const scripts = options.replayScripts ?? {}
  /**
   * The naive floor: the service's own read statements (its selects, then the audit insert as a
   * statement of its own) inside BEGIN … COMMIT on one connection. Where the service's audit insert
   * is not a statement of its own, the textbook select and insert of floor-sql.ts stand in.
   */
  const naiveRead = async (actor: Actor, id: string) => {
    const readScript = scripts[READ_SCRIPT]
    if (readScript?.some((statement) => isAuditInsert(statement.sql)))
      return replay(pool, [{ sql: 'BEGIN', parameters: [] }, ...readScript, { sql: 'COMMIT', parameters: [] }], id) as Promise<
        { id: string; version: number }[]
      >
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const { rows } = await client.query(readSql, [actor.organizationId, actor.organizationId, id, actor.organizationId])
      if (rows[0]) await audit(client, actor, 'case.read', [rows[0].id], fields.ngo_caseworker)
      await client.query('COMMIT')
      return rows
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  const replayed = async (url: string) => {
    const script = scripts[url]
    return script ? { items: await replay(pool, script) } : undefined
  }

  app.get<{ Params: { id: string } }>('/cases/:id', async (request, reply) => {
    const actor = actorOf(request)
    if (request.headers['x-bench-floor'] === 'naive') {
      const [row] = await naiveRead(actor, request.params.id)
      if (!row) return reply.code(404).send({ status: 404 })
      return reply.header('etag', `"${row.version}"`).send(row)
    }
    // `x-bench-audit: off` measures what the audit record costs: the same read without its insert.
    const auditOff = request.headers['x-bench-audit'] === 'off'
    const readScript = scripts[READ_SCRIPT]
    if (readScript) {
      const script = auditOff ? readScript.filter((statement) => !isAuditInsert(statement.sql)) : readScript
      const [row] = (await replay(pool, script, request.params.id)) as { version?: number }[]
      if (!row) return reply.code(404).send({ status: 404 })
      return reply.header('etag', `"${row.version}"`).send(row)
    }
    const { rows } = await pool.query(readSql, [actor.organizationId, actor.organizationId, request.params.id, actor.organizationId])
    const row = rows[0]
    if (!row) return reply.code(404).send({ status: 404 })
    if (!auditOff) await audit(pool, actor, 'case.read', [row.id], fields.ngo_caseworker)
    return reply.header('etag', `"${row.version}"`).send(row)
  })

  app.get('/tasks', async (request, reply) => (await replayed(request.url)) ?? reply.code(404).send({ status: 404 }))

  app.get<{ Querystring: { stage: string; limit?: string } }>('/cases', async (request) => {
    const search = await replayed(request.url)
    if (search) return search
    const actor = actorOf(request)
    const limit = Number(request.query.limit ?? 25)
    const { rows } = await pool.query(listSql, [
      actor.organizationId,
      actor.organizationId,
      actor.organizationId,
      request.query.stage,
      limit + 1,
    ])
    const page = rows.slice(0, limit)
    await audit(
      pool,
      actor,
      'case.list',
      page.map((row) => row.id),
      fields.protection_officer,
    )
    return { items: page, nextCursor: rows.length > limit ? Buffer.from(page.at(-1).id).toString('base64url') : null }
  })

  app.patch<{ Params: { id: string }; Body: { contact: Record<string, unknown> } }>('/cases/:id', async (request, reply) => {
    const actor = actorOf(request)
    const id = request.params.id
    const expected = Number(/"(\d+)"/.exec(String(request.headers['if-match']))?.[1])
    const client = await pool.connect()
    try {
      await client.query('begin')
      const organization = actor.organizationId
      const target = (await client.query(lockSql, [organization, organization, id, organization])).rows[0]
      if (!target || target.version !== expected) {
        await client.query('rollback')
        return reply.code(target ? 412 : 404).send({ status: target ? 412 : 404 })
      }
      const changes = request.body.contact
      const merged = { ...target.contact, ...changes }
      const row = (await client.query(UPDATE_CONTACT, [JSON.stringify(merged), id, target.version, organization, organization])).rows[0]
      for (const [field, value] of Object.entries(changes)) {
        await client.query(INSERT_HISTORY, [
          id,
          `contact.${field}`,
          JSON.stringify(target.contact[field] ?? null),
          JSON.stringify(value),
          actor.userId,
          request.id,
        ])
      }
      await audit(client, actor, 'case.update', [id], fields.ngo_caseworker)
      await client.query('commit')
      return reply.header('etag', `"${row.version}"`).send(row)
    } catch (error) {
      await client.query('rollback').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  })
  return app
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('DATABASE_URL is required')
  const replayFile = process.env.FLOOR_REPLAY_FILE
  const app = await buildFloor({ databaseUrl, ...(replayFile ? { replayScripts: readReplayScripts(replayFile) } : {}) })
  const close = () => void app.close().then(() => process.exit(0))
  process.on('SIGTERM', close)
  process.on('SIGINT', close)
  await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
