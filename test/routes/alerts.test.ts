import { sql } from 'kysely'
import t from 'tap'
import type { components, operations } from '../helpers/api-types.js'
import { CATALOGUES } from '../../src/i18n/catalogue.js'
import { answered, present } from '../helpers/api-client.js'
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

type Alert = components['schemas']['Alert']
type AlertQuery = NonNullable<operations['listAlerts']['parameters']['query']>
type NewCase = components['schemas']['NewCase']
type PlacementType = components['schemas']['NewPlacement']['type']

t.test('alerts: each rule fires from the data, in scope, only to those who may read its fields', async (t) => {
  const { app, database, api } = await build(t)
  const ngo = await createUser(database, 'ngo_caseworker')
  const protection = await createUser(database, 'protection_officer')
  const auditor = await createUser(database, 'oversight_auditor')
  const admin = await createUser(database, 'system_admin')
  const outsider = await createUser(database, 'ngo_caseworker')
  const notified = { procuraduriaNotifiedAt: new Date().toISOString() }

  const openCase = async (user: TestUser, payload: Partial<NewCase>) => {
    const created = answered(t, await api(user).POST('/cases', { body: { riskLevel: 'high', ...payload } }), 201)
    const id = present(created.id, 'the case id')
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
  const place = async (user: TestUser, id: string, type: PlacementType, startedAt: string) => {
    answered(t, await api(user).POST('/cases/{id}/placements', { params: { path: { id } }, body: { type, startedAt } }), 201)
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
  const asylumRead = await api(protection).GET('/cases/{id}', { params: { path: { id: asylum } } })
  const intended = await api(protection).PATCH('/cases/{id}', {
    params: { path: { id: asylum }, header: { 'if-match': asylumRead.response.headers.get('etag') ?? '' } },
    // 45 calendar days since entry: past the 25th of the 30 working days, whatever the holidays.
    body: { legalStatus: { asylumClaimStatus: 'intended', entryDate: dateIn(-45) } },
  })
  answered(t, intended, 200)
  const review = await openCase(ngo, { custody: notified })
  const draft = await api(protection).POST('/cases/{id}/determinations', {
    params: { path: { id: review } },
    body: { trigger: 'durable_solution', panel: PANEL, childViews: 'stay', rationale: 'safe' },
  })
  const { id: did } = answered(t, draft, 201)
  // A decision is not dated before its draft: the draft is opened 61 days ago, straight in the database.
  await database.db.updateTable('determinations').set({ created_at: sql<Date>`now() - interval '61 days'` }).where('id', '=', did).execute()
  const decided = await api(protection).POST('/cases/{id}/determinations/{did}/decision', {
    params: { path: { id: review, did }, header: { 'if-match': draft.response.headers.get('etag') ?? '' } },
    body: { outcome: 'local_integration', decidedAt: dateIn(-60), reviewDueAt: dateIn(-10) },
  })
  answered(t, decided, 200)
  const birthday = await openCase(ngo, { custody: notified, identity: { dateOfBirth: dateIn(30, 18) } })
  const elsewhere = await openCase(outsider, { custody: notified })
  await place(outsider, elsewhere, 'migration_station', daysAgo(3))

  const alertsOf = async (user: TestUser, query: AlertQuery = {}) =>
    answered(t, await api(user).GET('/alerts', { params: { query } }), 200).items
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
    t.same(pairs(await alertsOf(ngo, { severity: 'critical' })), [`${detained}:in_migration_station`])
    // A severity the document does not list: the client's types would not let it be written.
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
    let cursor: string | undefined
    do {
      const page = answered(t, await api(ngo).GET('/alerts', { params: { query: { limit: 2, cursor } } }), 200)
      seen.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    t.equal(seen.length, 6)
    t.same(pairs(seen), pairs(await alertsOf(ngo)))
    t.equal((await api(ngo).GET('/alerts', { params: { query: { cursor: 'bogus' } } })).response.status, 400)
  })

  await t.test('each alert says what went wrong, in the language asked, and watches over the task the team sees', async (t) => {
    const english = await alertsOf(ngo)
    const spanish = answered(t, await api(ngo, { 'accept-language': 'es-MX' }).GET('/alerts'), 200).items
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
        const query = { caseId: alert.caseId, rule: alert.task }
        tasks.push(...answered(t, await api(member).GET('/tasks', { params: { query } }), 200).items)
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
    const placements = answered(t, await api(ngo).GET('/cases/{id}/placements', { params: { path: { id: detained } } }), 200)
    const current = present(placements.items[0], 'the current placement')
    const ended = await api(ngo).PATCH('/cases/{id}/placements/{pid}', {
      params: { path: { id: detained, pid: current.id }, header: { 'if-match': `"${current.version}"` } },
      body: { endReasonCode: 'released_from_detention', endNotes: 'channelled to DIF' },
    })
    answered(t, ended, 200)
    t.same(await alertsOf(ngo, { severity: 'critical' }), [])
  })
})
