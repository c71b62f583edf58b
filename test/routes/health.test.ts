import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import { build, createUser } from '../helpers/build.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('service routes and behaviour shared by every route', async (t) => {
  const { app, database, logFile } = await build(t)
  const admin = await createUser(database, 'system_admin')

  await t.test('/health and /ready answer without a token', async (t) => {
    const health = await app.inject({ method: 'GET', url: '/health' })
    t.equal(health.statusCode, 200)
    t.same(health.json(), { status: 'ok' })
    const ready = await app.inject({ method: 'GET', url: '/ready' })
    t.equal(ready.statusCode, 200)
    t.same(ready.json(), { status: 'ready' })
  })

  await t.test('the API reference is served without a token', async (t) => {
    const docs = await app.inject({ method: 'GET', url: '/docs/' })
    t.equal(docs.statusCode, 200, docs.body)
    t.match(docs.headers['content-type'], /text\/html/)
    const spec = await app.inject({ method: 'GET', url: '/docs/json' })
    t.equal(spec.statusCode, 200)
    t.equal(spec.json().openapi, '3.1.0')
    t.ok(spec.json().paths['/me'], 'the reference describes the API')
  })

  await t.test('every request gets a server-made id; a plain-token X-Request-Id is kept beside it in the logs', async (t) => {
    const logLinesOf = (requestId: string) =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes(requestId))
        .map((line) => JSON.parse(line))
    const given = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'caller-req.42:a_b-c' } })
    const serverId = given.headers['x-request-id'] as string
    t.match(serverId, UUID, 'the id is the server’s, not the caller’s')
    t.ok(logLinesOf(serverId).length > 0)
    t.ok(
      logLinesOf(serverId).every((line) => line.reqId === serverId && line.clientRequestId === 'caller-req.42:a_b-c'),
      'every log line of the request names both ids',
    )
    const absent = await app.inject({ method: 'GET', url: '/health' })
    t.match(absent.headers['x-request-id'], UUID)
    for (const invalid of ['has spaces in it', 'x'.repeat(65), 'new\\nline', '<script>', '']) {
      const response = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': invalid } })
      const id = response.headers['x-request-id'] as string
      t.match(id, UUID)
      t.ok(
        logLinesOf(id).every((line) => line.clientRequestId === undefined),
        `not kept: ${JSON.stringify(invalid.slice(0, 20))}`,
      )
    }
    const failing = await app.inject({ method: 'GET', url: '/me', headers: { 'x-request-id': 'on-an-error' } })
    t.equal(failing.statusCode, 401)
    t.match(failing.headers['x-request-id'], UUID, 'on errors too')
    t.ok(logLinesOf(failing.headers['x-request-id'] as string).some((line) => line.clientRequestId === 'on-an-error'))
  })

  await t.test('security headers from helmet are present', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/health' })
    t.equal(response.headers['x-content-type-options'], 'nosniff')
    t.equal(response.headers['x-frame-options'], 'SAMEORIGIN')
    t.match(response.headers['strict-transport-security'], /max-age=\d+/)
    t.match(response.headers['content-security-policy'], /default-src 'self'/)
    t.equal(response.headers['x-powered-by'], undefined)
  })

  await t.test('CORS is closed: no origin is allowed, preflights included', async (t) => {
    const simple = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } })
    t.equal(simple.headers['access-control-allow-origin'], undefined)
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    })
    t.equal(preflight.headers['access-control-allow-origin'], undefined)
    t.equal(preflight.headers['access-control-allow-headers'], undefined)
    t.equal(preflight.headers['access-control-allow-credentials'], undefined)
  })

  await t.test('an unknown route is a 404 problem', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/no/such/route', headers: admin.headers })
    t.equal(response.statusCode, 404)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    t.equal(response.json().type, 'urn:atd:problem:not-found')
  })

  await t.test('an oversized body is a 413 problem', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/organizations',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(300 * 1024), kind: 'civil_society' }),
    })
    t.equal(response.statusCode, 413, response.body)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    t.equal(response.json().type, 'urn:atd:problem:payload-too-large')
  })

  await t.test('invalid JSON is a 400 problem that does not echo the body', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/organizations',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '{"name": "Casa secreta", "kind": ',
    })
    t.equal(response.statusCode, 400, response.body)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    t.equal(response.json().type, 'urn:atd:problem:bad-request')
    t.notMatch(response.body, /Casa secreta/)
  })

  await t.test('a body of another media type is a 415 problem', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: '/organizations',
      headers: { ...admin.headers, 'content-type': 'text/xml' },
      payload: '<organization/>',
    })
    t.equal(response.statusCode, 415, response.body)
    t.equal(response.json().type, 'urn:atd:problem:unsupported-media-type')
  })

  const onPostgres = database.kind === 'postgres'
  await t.test(
    'the PostgreSQL pool survives the server killing its connections',
    { skip: onPostgres ? false : 'PostgreSQL only: PGlite has no server connections to kill' },
    async (t) => {
      // Fill the pool with live connections, then have the server kill every one of them.
      await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/me', headers: admin.headers })))
      const killer = connectDatabase({ databaseUrl: database.url, dataDir: '', poolSize: 1 })
      const killAll = () =>
        sql<{ pid: number }>`
      SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(killer.db)
      // One connection is checked out of the app's pool, inside a transaction, when it is killed.
      const inTransaction = database.db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx)
        const killed = await killAll()
        t.ok(killed.rows.length > 0, `terminated ${killed.rows.length} connections`)
        await new Promise((resolve) => setTimeout(resolve, 200))
        await sql`SELECT 1`.execute(trx)
      })
      await t.rejects(inTransaction, 'the transaction on the killed connection fails, and only it')
      await killer.db.destroy()
      const statuses: number[] = []
      for (let attempt = 0; attempt < 3; attempt++) {
        statuses.push((await app.inject({ method: 'GET', url: '/me', headers: admin.headers })).statusCode)
      }
      // The pool drops dead clients; at most the first request on a dead client may fail (as a 5xx
      // problem, not a crash), and the next ones work.
      t.equal(statuses.at(-1), 200, `statuses after the kill: ${statuses.join(', ')}`)
      t.ok(statuses.every((status) => status === 200 || status >= 500))
      const ready = await app.inject({ method: 'GET', url: '/ready' })
      t.equal(ready.statusCode, 200)
    },
  )
})

t.test('/ready is a 503 problem when the database is gone, /health stays 200', async (t) => {
  const { app, database } = await build(t)
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  // The connection pool (or the embedded database) is closed under the running app.
  await database.db.destroy()
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503, ready.body)
  t.match(ready.headers['content-type'], /^application\/problem\+json/)
  t.equal(ready.json().type, 'urn:atd:problem:service-unavailable')
  t.notMatch(ready.body, /destroyed|driver|postgres|pglite/i, 'the cause stays in the log')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
})

t.test('requests beyond the rate limit are 429 problems; health checks are never limited', async (t) => {
  const { app, database } = await build(t, { environment: { RATE_LIMIT_PER_MINUTE: '3' } })
  const user = await createUser(database, 'ngo_caseworker')
  const statuses: number[] = []
  for (let index = 0; index < 5; index++) statuses.push((await app.inject({ method: 'GET', url: '/me', headers: user.headers })).statusCode)
  t.same(statuses, [200, 200, 200, 429, 429])
  const limited = await app.inject({ method: 'GET', url: '/me', headers: user.headers })
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.equal(limited.json().type, 'urn:atd:problem:too-many-requests')
  t.ok(Number(limited.headers['retry-after']) > 0, 'says when to retry')
  for (let index = 0; index < 5; index++) t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
})
