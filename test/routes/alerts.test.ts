import { sql } from 'kysely'
import t from 'tap'
import { CATALOGUES } from '../../src/i18n/catalogue.js'
import { build, createUser, type TestUser, grantParticipation } from '../helpers/build.js'

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()
const dateIn = (days: number, yearsBack = 0) => {
  const date = new Date(Date.now() + days * 86_400_000)
  date.setUTCFullYear(date.getUTCFullYear() - yearsBack)
  return date.toISOString().slice(0, 10)
}
const PANEL = [
  { name: 'A', role: 'lawyer', undertakingSignedAt: '2026-01-01' },
  { name: 'B', role: 'psychologist', undertakingSignedAt: '2026-01-01' },
]

interface Alert {
  caseId: string
  rule: string
  severity: string
  since: string
  title: string
  task: string | null
}

t.test('alerts: each rule fires from the data, in scope, only to those who may read its fields', async (t) => {
  const { app, database } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const admin = await createUser(database, 'system_admin')
  const outsider = await createUser(database, 'ngo_caseworker')
  const notified = { procuraduriaNotifiedAt: new Date().toISOString() }

  const openCase = async (user: TestUser, payload: Record<string, unknown>) => {
    const created = await app.inject({ method: 'POST', url: '/cases', headers: user.headers, payload: { riskLevel: 'high', ...payload } })
    t.equal(created.statusCode, 201, created.body)
    const id: string = created.json().id
    if (user === ngo) {
      await grantParticipation(database.db, protection.organizationId, id, ngo.id)
    }
    return id
  }
  const backdate = (id: string, days: number) =>
    database.db
      .updateTable('cases')
      .set({ opened_at: sql<Date>`now() - make_interval(days => ${days})` })
      .where('id', '=', id)
      .execute()
  const place = async (user: TestUser, id: string, type: string, startedAt: string) => {
    const placed = await app.inject({ method: 'POST', url: `/cases/${id}/placements`, headers: user.headers, payload: { type, startedAt } })
    t.equal(placed.statusCode, 201, placed.body)
  }

  // One case per rule, each otherwise in order.
  const detained = await openCase(ngo, { custody: notified })
  await place(ngo, detained, 'migration_station', daysAgo(1))
  const unnotified = await openCase(ngo, {})
  await backdate(unnotified, 2)
  const quiet = await openCase(ngo, {})
  await backdate(quiet, 0)
  const noGuardian = await openCase(ngo, { custody: notified })
  await place(ngo, noGuardian, 'dif_shelter', daysAgo(10))
  const guarded = await openCase(ngo, { custody: notified })
  await place(ngo, guarded, 'dif_shelter', daysAgo(10))
  // The guardian is set straight in the database: the legal file is not what this test is about.
  await database.db
    .updateTable('cases')
    .set({ legal: JSON.stringify({ guardian: { type: 'procuraduria', representationType: 'suplencia', appointedAt: dateIn(-3) } }) })
    .where('id', '=', guarded)
    .execute()
  const asylum = await openCase(ngo, { custody: notified })
  const asylumEtag = (await app.inject({ method: 'GET', url: `/cases/${asylum}`, headers: protection.headers })).headers.etag as string
  const intended = await app.inject({
    method: 'PATCH',
    url: `/cases/${asylum}`,
    headers: { ...protection.headers, 'if-match': asylumEtag },
    // 45 calendar days since entry: past the 25th of the 30 working days, whatever the holidays.
    payload: { legalStatus: { asylumClaimStatus: 'intended', entryDate: dateIn(-45) } },
  })
  t.equal(intended.statusCode, 200, intended.body)
  const review = await openCase(ngo, { custody: notified })
  const draft = await app.inject({
    method: 'POST',
    url: `/cases/${review}/determinations`,
    headers: protection.headers,
    payload: { trigger: 'durable_solution', panel: PANEL, childViews: 'stay', rationale: 'safe' },
  })
  t.equal(draft.statusCode, 201, draft.body)
  // A decision is not dated before its draft: the draft is opened 61 days ago, straight in the database.
  await database.db
    .updateTable('determinations')
    .set({ created_at: sql<Date>`now() - interval '61 days'` })
    .where('id', '=', draft.json().id)
    .execute()
  const decided = await app.inject({
    method: 'POST',
    url: `/cases/${review}/determinations/${draft.json().id}/decision`,
    headers: { ...protection.headers, 'if-match': draft.headers.etag as string },
    payload: { outcome: 'local_integration', decidedAt: dateIn(-60), reviewDueAt: dateIn(-10) },
  })
  t.equal(decided.statusCode, 200, decided.body)
  const birthday = await openCase(ngo, { custody: notified, identity: { dateOfBirth: dateIn(30, 18) } })
  const elsewhere = await openCase(outsider, { custody: notified })
  await place(outsider, elsewhere, 'migration_station', daysAgo(3))

  const alertsOf = async (user: TestUser, query = '') => {
    const response = await app.inject({ method: 'GET', url: `/alerts${query}`, headers: user.headers })
    t.equal(response.statusCode, 200, response.body)
    return response.json().items as Alert[]
  }
  const pairs = (alerts: Alert[]) => alerts.map((alert) => `${alert.caseId}:${alert.rule}`).sort()

  await t.test('every rule fires for the caseworker, on its own cases only', async (t) => {
    const alerts = await alertsOf(ngo)
    t.same(
      pairs(alerts),
      [
        `${detained}:in_migration_station`,
        `${unnotified}:procuraduria_not_notified`,
        `${noGuardian}:no_guardian`,
        `${asylum}:asylum_claim_not_filed`,
        `${review}:determination_review_overdue`,
        `${birthday}:turning_18`,
      ].sort(),
    )
    const detention = alerts.find((alert) => alert.rule === 'in_migration_station')!
    t.equal(detention.severity, 'critical')
    t.ok(new Date(detention.since).getTime() <= Date.now())
    t.notOk(alerts.some((alert) => alert.caseId === elsewhere || alert.caseId === quiet || alert.caseId === guarded))
    t.same(pairs(await alertsOf(ngo, '?severity=critical')), [`${detained}:in_migration_station`])
    t.equal((await app.inject({ method: 'GET', url: '/alerts?severity=urgent', headers: ngo.headers })).statusCode, 400)
  })

  await t.test('the auditor sees every case, but no rule built on identity', async (t) => {
    const alerts = await alertsOf(auditor)
    t.ok(pairs(alerts).includes(`${elsewhere}:in_migration_station`), 'oversight reaches every case')
    t.ok(pairs(alerts).includes(`${detained}:in_migration_station`))
    t.notOk(
      alerts.some((alert) => alert.rule === 'turning_18'),
      'the date of birth is identity',
    )
    t.ok(
      alerts.some((alert) => alert.rule === 'asylum_claim_not_filed'),
      'legal status is readable by oversight',
    )
  })

  await t.test('out-of-scope cases are absent; the admin sees nothing', async (t) => {
    t.same(pairs(await alertsOf(outsider)), [`${elsewhere}:in_migration_station`])
    t.same(await alertsOf(admin), [])
  })

  await t.test('pages by cursor', async (t) => {
    const seen: Alert[] = []
    let cursor: string | null = null
    do {
      const url: string = `/alerts?limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const response = await app.inject({ method: 'GET', url, headers: ngo.headers })
      t.equal(response.statusCode, 200, response.body)
      seen.push(...response.json().items)
      cursor = response.json().nextCursor
    } while (cursor)
    t.equal(seen.length, 6)
    t.same(pairs(seen), pairs(await alertsOf(ngo)))
    t.equal((await app.inject({ method: 'GET', url: '/alerts?cursor=bogus', headers: ngo.headers })).statusCode, 400)
  })

  await t.test('each alert says what went wrong, in the language asked, and watches over the task the team sees', async (t) => {
    const english = await alertsOf(ngo)
    const spanish = (await app.inject({ method: 'GET', url: '/alerts', headers: { ...ngo.headers, 'accept-language': 'es-MX' } })).json()
      .items as Alert[]
    t.equal(english.length, spanish.length)
    for (const [index, alert] of english.entries()) {
      t.equal(alert.title, CATALOGUES.en.sentences.alerts[alert.rule], `${alert.rule} in English`)
      t.equal(spanish[index]!.title, CATALOGUES['es-MX'].sentences.alerts[alert.rule], `${alert.rule} in Spanish`)
      if (alert.task === null) continue
      // The same rule, seen from the case team (the member who may resolve it: a BID is the
      // Procuraduría's): its task on that case, overdue (turning_18 alerts from the day its task
      // appears, before it is due).
      const tasks: { dueAt: string; overdue: boolean }[] = []
      for (const member of [ngo, protection]) {
        const url = `/tasks?caseId=${alert.caseId}&rule=${alert.task}`
        tasks.push(...(await app.inject({ method: 'GET', url, headers: member.headers })).json().items)
      }
      t.ok(tasks.length >= 1, `${alert.rule} watches over the task ${alert.task}`)
      if (alert.rule === 'turning_18') t.equal(new Date(tasks[0]!.dueAt).getTime() - new Date(alert.since).getTime(), 90 * 86_400_000)
      else
        t.ok(
          tasks[0]!.overdue && new Date(tasks[0]!.dueAt).getTime() === new Date(alert.since).getTime(),
          `${alert.task} is overdue since the alert`,
        )
    }
  })

  await t.test('alerts clear when the data changes', async (t) => {
    const current = (await app.inject({ method: 'GET', url: `/cases/${detained}/placements`, headers: ngo.headers })).json().items[0]
    const ended = await app.inject({
      method: 'PATCH',
      url: `/cases/${detained}/placements/${current.id}`,
      headers: { ...ngo.headers, 'if-match': `"${current.version}"` },
      payload: { endReasonCode: 'released_from_detention', endNotes: 'channelled to DIF' },
    })
    t.equal(ended.statusCode, 200, ended.body)
    t.same(await alertsOf(ngo, '?severity=critical'), [])
  })
})
