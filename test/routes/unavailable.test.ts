// A database that cannot take writes (turned read-only, restarting, unreachable) is not a broken
// service: writes and audited reads answer 503 with Retry-After, never 500, nothing is half-done,
// and the service is back to normal as soon as the database is.
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { build, createUser } from '../helpers/build.js'
import type { TestDatabase } from '../helpers/database.js'
import { isDatabaseUnavailable } from '../../src/db/unavailable.js'

/** Turns every new transaction of the app's database read-only (or back), on either database. */
async function setReadOnly(database: TestDatabase, readOnly: boolean): Promise<void> {
  if (database.kind === 'pglite') {
    // One embedded session serves the whole app.
    await sql.raw(`SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`).execute(database.db)
    return
  }
  // From a connection of its own, so that none of the app's sessions keeps the old setting.
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    await client.query('SET default_transaction_read_only = off')
    const name = (await client.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name
    await client.query(
      `ALTER DATABASE ${name} ${readOnly ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`,
    )
    // Sessions take database settings when they start: end the app's sessions so new ones do.
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )
  } finally {
    await client.end()
  }
}

t.test('a read-only database answers 503 with Retry-After, never 500, and recovers', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'low' } })
  t.equal(created.statusCode, 201)
  const caseId: string = created.json().id
  const countCases = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM cases`.execute(database.db)).rows[0]!.n)
  const before = await countCases()

  await setReadOnly(database, true)
  const attempts = [
    await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'high' } }),
    await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'high' } }),
    await app.inject({ method: 'GET', url: `/cases/${caseId}`, headers: ngo.headers }),
    await app.inject({ method: 'POST', url: `/cases/${caseId}/notes`, headers: ngo.headers, payload: { body: 'a note' } }),
  ]
  for (const response of attempts) {
    t.equal(response.statusCode, 503, `${response.statusCode} ${response.body}`)
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.ok(Number(response.headers['retry-after']) > 0, 'Retry-After says when to come back')
    t.notMatch(response.body, /read-only|SQL|transaction/i, 'the problem names no internals')
  }

  await setReadOnly(database, false)
  let recovered = 0
  for (let attempt = 0; attempt < 50 && recovered !== 201; attempt++) {
    recovered = (await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'high' } })).statusCode
    if (recovered !== 201) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(recovered, 201, 'writes work again once the database is writable')
  t.equal(await countCases(), before + 1, 'no refused write left a case behind')
})

t.test('what counts as the database being unavailable', async (t) => {
  t.ok(isDatabaseUnavailable(Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' })))
  t.ok(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })))
  t.ok(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })))
  t.ok(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')))
  t.ok(isDatabaseUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '08006' }) })))
  t.notOk(
    isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })),
    'a constraint is the request, not the database',
  )
  t.notOk(isDatabaseUnavailable(new Error('anything else')))
  t.notOk(isDatabaseUnavailable('a string'))
})
