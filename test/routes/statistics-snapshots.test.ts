// Published statistics are counted once per period and scope and kept for STATISTICS_MAX_AGE_SECONDS:
// a case written in the meantime shows only once they are counted again, and requests for the same
// figures at once all answer what one count kept. Runs on PGlite and on PostgreSQL.
import { sql } from 'kysely'
import t from 'tap'
import { answered } from '../helpers/api-client.js'
import { build, createUser } from '../helpers/build.js'

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
  t.equal((await figures()).openCases.total, '<5', 'older than the maximum age: counted again')

  const kept = await sql<{ key: string }>`SELECT key FROM statistics_snapshots ORDER BY key`.execute(database.db)
  t.equal(kept.rows.length, 2, 'one row per period and scope')
  t.ok(
    kept.rows.every((row) => row.key.includes(auditor.organizationId)),
    'the key names the scope that counted (role and organisation)',
  )

  await sql`DELETE FROM statistics_snapshots`.execute(database.db)
  const together = await Promise.all(Array.from({ length: 8 }, () => figures()))
  // The same figures; the kept ones may list a breakdown's keys in another order (jsonb sorts them).
  for (const answer of together) t.same(answer, together[0], 'requests at once answer the same figures')
  const rows = await sql<{ count: string }>`SELECT count(*) AS count FROM statistics_snapshots`.execute(database.db)
  t.equal(Number(rows.rows[0]!.count), 1, 'and keep one row')
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
