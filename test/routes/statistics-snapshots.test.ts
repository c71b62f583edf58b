// Published statistics are counted once per period and scope and kept for STATISTICS_MAX_AGE_SECONDS:
// a case written in the meantime shows only once they are counted again (in the background: older
// figures answer meanwhile), and the first requests for the same figures at once all answer what one
// count kept. An instance answers from its own copy for at most INSTANCE_COPY_MS before it reads the
// kept row again, so each change to the table below is followed by outlasting the copies. Runs on
// PGlite and on PostgreSQL.
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { INSTANCE_COPY_MS } from '../../src/statistics/statistics-snapshots.js'
import { answered } from '../helpers/api-client.js'
import { build, createUser } from '../helpers/build.js'

/** Waits until this instance's copies of kept figures no longer answer. */
const outlastCopies = () => sleep(INSTANCE_COPY_MS + 100)

/** Asks until `settled` holds of the answer (a background count has kept new figures), for up to 10 s. */
async function eventually<T>(ask: () => Promise<T>, settled: (answer: T) => boolean): Promise<boolean> {
  for (let tries = 0; tries < 200; tries += 1) {
    if (settled(await ask())) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}

t.test('statistics are kept per period and scope, and counted again once they are older than the maximum age', async (t) => {
  const { database, api } = await build(t, { environment: { STATISTICS_MAX_AGE_SECONDS: '60' } })
  const auditor = await createUser(database, 'oversight_auditor')
  const caseworker = await createUser(database, 'ngo_caseworker')
  const period = String(new Date().getUTCFullYear())
  const figures = async () => answered(t, await api(auditor).GET('/statistics', { params: { query: { period } } }), 200)

  const before = await figures()
  t.equal(before.openCases.total, 0)
  answered(t, await api(caseworker).POST('/cases', { body: { riskLevel: 'low' } }), 201)
  t.same(await figures(), before, 'within the maximum age, the kept figures answer')
  const all = answered(t, await api(auditor).GET('/statistics'), 200)
  t.equal(all.openCases.total, '<5', 'another period (here: every case) is counted on its own')

  await sql`UPDATE statistics_snapshots SET computed_at = computed_at - interval '61 seconds'`.execute(database.db)
  await outlastCopies()
  t.same(await figures(), before, 'older than the maximum age: the kept figures answer at once…')
  t.ok(await eventually(figures, (answer) => answer.openCases.total === '<5'), '…while the period is counted again in the background')

  const kept = await sql<{ key: string }>`SELECT key FROM statistics_snapshots ORDER BY key`.execute(database.db)
  t.equal(kept.rows.length, 2, 'one row per period and scope')
  t.ok(
    kept.rows.every((row) => row.key.includes(auditor.organizationId)),
    'the key names the scope that counted (role and organisation)',
  )

  await sql`DELETE FROM statistics_snapshots`.execute(database.db)
  await outlastCopies()
  const together = await Promise.all(Array.from({ length: 8 }, () => figures()))
  // The same figures; the kept ones may list a breakdown's keys in another order (jsonb sorts them).
  for (const answer of together) t.same(answer, together[0], 'requests at once answer the same figures')
  const rows = await sql<{ count: string }>`SELECT count(*) AS count FROM statistics_snapshots`.execute(database.db)
  t.equal(Number(rows.rows[0]!.count), 1, 'and keep one row')
})

t.test('within a second, the instance answers from its copy without reading the kept figures', async (t) => {
  const { database, api } = await build(t, { environment: { STATISTICS_MAX_AGE_SECONDS: '60' } })
  const auditor = await createUser(database, 'oversight_auditor')
  const caseworker = await createUser(database, 'ngo_caseworker')
  const figures = async () => answered(t, await api(auditor).GET('/statistics'), 200)
  const keptRows = async () =>
    Number((await sql<{ count: string }>`SELECT count(*) AS count FROM statistics_snapshots`.execute(database.db)).rows[0]!.count)

  const before = await figures()
  answered(t, await api(caseworker).POST('/cases', { body: { riskLevel: 'low' } }), 201)
  await sql`DELETE FROM statistics_snapshots`.execute(database.db)
  t.same(await figures(), before, 'the copied figures answer')
  t.equal(await keptRows(), 0, 'and nothing was read or counted: with no row kept, a read would have counted and kept one')

  await outlastCopies()
  t.equal((await figures()).openCases.total, '<5', 'after the copy, the request reads the table, finds nothing kept and counts')
  t.equal(await keptRows(), 1)
})

t.test('with STATISTICS_MAX_AGE_SECONDS=0 every request counts and nothing is kept', async (t) => {
  const { database, api } = await build(t)
  const auditor = await createUser(database, 'oversight_auditor')
  const caseworker = await createUser(database, 'ngo_caseworker')
  answered(t, await api(auditor).GET('/statistics'), 200)
  answered(t, await api(caseworker).POST('/cases', { body: { riskLevel: 'low' } }), 201)
  t.equal(answered(t, await api(auditor).GET('/statistics'), 200).openCases.total, '<5')
  const rows = await sql<{ count: string }>`SELECT count(*) AS count FROM statistics_snapshots`.execute(database.db)
  t.equal(Number(rows.rows[0]!.count), 0)
})

// PGlite has one connection: no second session can hold the count there.
const onPostgres = { skip: process.env.DATABASE_URL ? false : 'PostgreSQL only: needs a second session' }

t.test('while one request counts a period again, the others answer the figures kept before', onPostgres, async (t) => {
  const { database, api } = await build(t, { environment: { STATISTICS_MAX_AGE_SECONDS: '60' } })
  if (!database.url) throw new Error('a PostgreSQL database has a URL')
  const auditor = await createUser(database, 'oversight_auditor')
  const caseworker = await createUser(database, 'ngo_caseworker')
  const period = String(new Date().getUTCFullYear())
  const figures = () => api(auditor).GET('/statistics', { params: { query: { period } } })
  const before = answered(t, await figures(), 200)
  answered(t, await api(caseworker).POST('/cases', { body: { riskLevel: 'low' } }), 201)
  await sql`UPDATE statistics_snapshots SET computed_at = computed_at - interval '61 seconds'`.execute(database.db)
  await outlastCopies()
  const { rows } = await sql<{ key: string }>`SELECT key FROM statistics_snapshots`.execute(database.db)
  const key = rows[0]!.key

  // A second session holds the count of this key, as a request counting it would.
  const counting = new pg.Client({ connectionString: database.url })
  await counting.connect()
  t.teardown(() => counting.end())
  await counting.query('BEGIN')
  await counting.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key])
  const quick = figures()
  const first = await Promise.race([quick, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 2000))])
  await counting.query('COMMIT')
  t.not(first, 'waiting', 'the request does not queue behind the count')
  t.same(answered(t, await quick, 200), before, 'the stale figures answer meanwhile')

  t.ok(
    await eventually(figures, (answer) => answer.data?.openCases.total === '<5'),
    'with nobody else counting, a stale period is counted again',
  )

  // Nothing kept yet: the first request waits for the count in progress instead of counting twice.
  await sql`DELETE FROM statistics_snapshots`.execute(database.db)
  await outlastCopies()
  await counting.query('BEGIN')
  await counting.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key])
  let settled = false
  const waiting = figures().then((answer) => {
    settled = true
    return answer
  })
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.notOk(settled, 'with nothing kept, the request waits for the count in progress')
  await counting.query('COMMIT')
  t.equal(answered(t, await waiting, 200).openCases.total, '<5', 'and then counts')
})
