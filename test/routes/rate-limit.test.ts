import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import t from 'tap'
import { build, createUser } from '../helpers/build.js'
import type { TestDatabase } from '../helpers/database.js'
import { bearer, makeKeyPair, signToken } from '../helpers/tokens.js'

const REDIS_URL = 'redis://127.0.0.1:6379'
/** A fresh address per test, so runs sharing one Redis never share counts. */
const randomAddress = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`
const forged = () => bearer(signToken('nobody', { keys: makeKeyPair('ES256') }))

async function authFailures(database: TestDatabase): Promise<{ count: number; reason: string | null }[]> {
  const { rows } = await sql<{
    count: number
    reason: string | null
  }>`SELECT event_count AS count, reason FROM audit_events WHERE action = 'auth.failed' ORDER BY id`.execute(database.db)
  return rows
}

t.test('refused authentication is limited per address before verification, and aggregated in the trail', async (t) => {
  const windowMs = 6_000
  const { app, database } = await build(t, { environment: { AUTH_FAILURE_LIMIT: '10', AUTH_FAILURE_WINDOW_MS: String(windowMs) } })
  const user = await createUser(database, 'ngo_caseworker')
  const address = randomAddress()
  const codes: number[] = []
  const started = Date.now()
  for (let index = 0; index < 40; index++) {
    const response = await app.inject({ method: 'GET', url: '/cases', headers: forged(), remoteAddress: address })
    codes.push(response.statusCode)
    if (response.statusCode === 429) {
      t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.equal(response.json().type, 'urn:atd:problem:too-many-requests')
      t.ok(Number(response.headers['retry-after']) >= 1)
    }
  }
  t.same(codes.slice(0, 10), Array(10).fill(401), 'the first ten are verified and refused')
  t.same(codes.slice(10), Array(30).fill(429), 'the rest are refused before verification')
  const during = await authFailures(database)
  t.equal(during.length, 3, 'only the first few are recorded one by one')
  t.ok(during.every((event) => event.count === 1))

  const other = await app.inject({ method: 'GET', url: '/me', headers: user.headers, remoteAddress: randomAddress() })
  t.equal(other.statusCode, 200, 'other addresses are not limited')

  await sleep(Math.max(0, started + windowMs - Date.now()))
  // The window closes one window after the first refusal was noted; its event follows at once.
  let after = await authFailures(database)
  for (let waited = 0; after.length < 4 && waited < 10_000; waited += 200) {
    await sleep(200)
    after = await authFailures(database)
  }
  t.equal(after.length, 4, 'the rest of the window is one event')
  t.match(after[3], { count: 37, reason: /^repeated:.*rate-limited/ })
  t.equal(
    after.reduce((sum, event) => sum + event.count, 0),
    40,
    'every refused request is counted',
  )
  const again = await app.inject({ method: 'GET', url: '/me', headers: user.headers, remoteAddress: address })
  t.equal(again.statusCode, 200, 'a new window lets the address in again')
})

t.test('with REDIS_URL, instances share the counts', async (t) => {
  const environment = { REDIS_URL, AUTH_FAILURE_LIMIT: '4', AUTH_FAILURE_WINDOW_MS: '10000', RATE_LIMIT_PER_MINUTE: '8' }
  const first = await build(t, { environment })
  const second = await build(t, { environment })
  const instance = (index: number) => (index % 2 === 0 ? first : second).app
  const address = randomAddress()
  const codes: number[] = []
  for (let index = 0; index < 6; index++) {
    codes.push((await instance(index).inject({ method: 'GET', url: '/cases', headers: forged(), remoteAddress: address })).statusCode)
  }
  t.same(codes, [401, 401, 401, 401, 429, 429], 'four refused tokens in all, across both instances')

  // The same user in both databases, so that both instances let it in.
  const user = await createUser(first.database, 'ngo_caseworker')
  const row = await first.database.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow()
  await second.database.db
    .insertInto('organizations')
    .values({ id: row.organization_id, name: `Copia ${row.id}`, kind: 'civil_society' })
    .execute()
  await second.database.db
    .insertInto('users')
    .values({ id: row.id, subject: row.subject, display_name: row.display_name, role: row.role, organization_id: row.organization_id })
    .execute()
  const shared = randomAddress()
  const answers: number[] = []
  for (let index = 0; index < 10; index++) {
    answers.push((await instance(index).inject({ method: 'GET', url: '/me', headers: user.headers, remoteAddress: shared })).statusCode)
  }
  t.same(answers, [200, 200, 200, 200, 200, 200, 200, 200, 429, 429], 'the per-address limit is shared too')
})

t.test('when Redis is down, limits fail open and the service answers', async (t) => {
  const { app, database } = await build(t, {
    environment: { REDIS_URL: 'redis://127.0.0.1:1', AUTH_FAILURE_LIMIT: '2', RATE_LIMIT_PER_MINUTE: '2' },
  })
  const user = await createUser(database, 'ngo_caseworker')
  const address = randomAddress()
  for (let index = 0; index < 5; index++) {
    t.equal((await app.inject({ method: 'GET', url: '/cases', headers: forged(), remoteAddress: address })).statusCode, 401)
  }
  t.equal((await app.inject({ method: 'GET', url: '/me', headers: user.headers, remoteAddress: address })).statusCode, 200)
})
