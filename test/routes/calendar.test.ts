import { sql } from 'kysely'
import t from 'tap'
import { lawRestDays, nthMonday } from '../../src/calendar/mexican-rest-days.js'
import { addWorkingDays } from '../../src/calendar/calendar.repository.js'
import { build, createUser, type TestUser } from '../helpers/build.js'

t.test('the law’s rest days are computed, moving Mondays included', async (t) => {
  t.equal(nthMonday(2026, 2, 1), 2, 'first Monday of February 2026')
  t.equal(nthMonday(2026, 3, 3), 16, 'third Monday of March 2026')
  t.equal(nthMonday(2026, 11, 3), 16, 'third Monday of November 2026')
  t.equal(nthMonday(2025, 11, 3), 17, 'third Monday of November 2025')
  t.same(
    lawRestDays(2026).map((day) => day.date),
    ['2026-01-01', '2026-02-02', '2026-03-16', '2026-05-01', '2026-09-16', '2026-11-16', '2026-12-25'],
  )
  t.ok(
    lawRestDays(2024).some((day) => day.date === '2024-10-01'),
    '1 October 2024: the new President takes office',
  )
  t.ok(lawRestDays(2030).some((day) => day.date === '2030-10-01'))
  t.notOk(lawRestDays(2027).some((day) => day.date === '2027-10-01'))
})

t.test('calendar: the rest days as data, declared days by the administrator, working days counted in the database', async (t) => {
  const { app, api, database } = await build(t)
  const admin = await createUser(database, 'system_admin')
  const caseworker = await createUser(database, 'ngo_caseworker')
  const auditor = await createUser(database, 'oversight_auditor')
  const list = async (year: number, as: TestUser = caseworker) => {
    const { data, error, response } = await api(as).GET('/calendar/non-working-days', { params: { query: { year } } })
    t.equal(response.status, 200, JSON.stringify(error))
    return { year: data?.year, items: data?.items ?? [] }
  }
  const declare = (date: string, reason = 'Jueves Santo (declarado)', as: TestUser = admin) =>
    api(as).POST('/calendar/non-working-days', { body: { date, reason } })
  const withdraw = (date: string, as: TestUser = admin) =>
    api(as).DELETE('/calendar/non-working-days/{date}', { params: { path: { date } } })
  const auditCount = async (action: string) =>
    Number(
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE action = ${action} AND outcome = 'allowed'`.execute(
          database.db,
        )
      ).rows[0]!.n,
    )

  await t.test('every year 2020-2040 is seeded with the law’s days; any user reads them', async (t) => {
    for (const year of [2020, 2024, 2026, 2040]) {
      t.same(
        (await list(year)).items.map((day) => day.date),
        lawRestDays(year).map((day) => day.date),
        `${year}`,
      )
    }
    t.ok((await list(2026, auditor)).items.every((day) => day.source === 'law'))
    t.equal((await api(caseworker).GET('/calendar/non-working-days', { params: { query: { year: 0 } } })).response.status, 400)
    // Without the year the document requires: the typed client would not compile it.
    t.equal((await app.inject({ method: 'GET', url: '/calendar/non-working-days', headers: caseworker.headers })).statusCode, 400)
    t.equal((await api().GET('/calendar/non-working-days', { params: { query: { year: 2026 } } })).response.status, 401)
  })

  await t.test('working days skip weekends and rest days: 16 September, the third Monday of November', async (t) => {
    // Tue 15 Sep 2026 + 1 working day: Wed 16 Sep is a rest day, so Thu 17 Sep.
    t.equal(await addWorkingDays(database.db, '2026-09-15', 1), '2026-09-17')
    // Fri 13 Nov 2026 + 1: Mon 16 Nov is the Revolution day, so Tue 17 Nov.
    t.equal(await addWorkingDays(database.db, '2026-11-13', 1), '2026-11-17')
    // Fri 11 Sep 2026 + 5: 14, 15, (16 off), 17, 18, 21.
    t.equal(await addWorkingDays(database.db, '2026-09-11', 5), '2026-09-21')
    t.equal(await addWorkingDays(database.db, '2026-09-11', 0), '2026-09-11')
    // 25 working days from Mon 2 Mar 2026 (16 Mar off): 3 Mar … 7 Apr.
    t.equal(await addWorkingDays(database.db, '2026-03-02', 25), '2026-04-07')
  })

  await t.test('a day the administrator declares moves a due date across Easter week; withdrawing it moves it back', async (t) => {
    // Easter 2026 is 5 April: Holy Thursday 2 April and Good Friday 3 April are not rest days of the law.
    t.equal(await addWorkingDays(database.db, '2026-03-31', 3), '2026-04-03')
    const before = await auditCount('calendar.declare')
    const thursday = await declare('2026-04-02')
    t.equal(thursday.response.status, 201, JSON.stringify(thursday.error))
    t.same(thursday.data, { date: '2026-04-02', reason: 'Jueves Santo (declarado)', source: 'declared' })
    t.equal((await declare('2026-04-03', 'Viernes Santo (declarado)')).response.status, 201)
    t.equal(await addWorkingDays(database.db, '2026-03-31', 3), '2026-04-07')
    t.equal(await auditCount('calendar.declare'), before + 2, 'each declaration is audited')
    t.ok((await list(2026)).items.some((day) => day.date === '2026-04-03' && day.source === 'declared'))

    const withdrawn = await withdraw('2026-04-03')
    t.equal(withdrawn.response.status, 204, JSON.stringify(withdrawn.error))
    t.equal(await addWorkingDays(database.db, '2026-03-31', 3), '2026-04-06')
    t.equal(await auditCount('calendar.withdraw'), 1)
  })

  await t.test('refusals: law days stay, duplicates conflict, only the administrator changes the calendar', async (t) => {
    const law = await withdraw('2026-09-16')
    t.equal(law.response.status, 409)
    t.equal(law.error?.reason, 'rest_day_by_law')
    t.equal((await withdraw('2026-06-10')).response.status, 404)
    const duplicate = await declare('2026-09-16')
    t.equal(duplicate.response.status, 409)
    t.equal(duplicate.error?.reason, 'already_non_working')
    t.equal((await declare('2026-06-10', 'x', caseworker)).response.status, 403)
    t.equal((await declare('2026-06-10', 'x', auditor)).response.status, 403)
    t.equal((await withdraw('2026-04-02', caseworker)).response.status, 403)
    t.equal((await declare('0000-06-10')).response.status, 400)
    t.equal((await declare('2026-02-30')).response.status, 400)
    t.equal((await declare('2026-06-10', '')).response.status, 400)
    t.equal((await withdraw('99999-01-01')).response.status, 400)
    t.notOk(
      (await list(2026)).items.some((day) => day.date === '2026-06-10'),
      'nothing was written',
    )
    const denied = Number(
      (
        await sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM audit_events WHERE action = 'calendar.declare' AND outcome = 'denied'`.execute(database.db)
      ).rows[0]!.n,
    )
    t.ok(denied >= 3, 'refusals are recorded')
  })
})
