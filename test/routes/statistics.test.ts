import { sql } from 'kysely'
import t from 'tap'
import { v7 as uuidv7 } from 'uuid'
import type { operations } from '../helpers/api-types.js'
import { answered } from '../helpers/api-client.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import type { TestDatabase } from '../helpers/database.js'
import { parsePeriod } from '../../src/statistics/period.js'
import type { CaseStatus, Stage } from '../../src/cases/case-sections.js'
import type { PlacementType } from '../../src/lifecycle/placement.schemas.js'

type StatisticsQuery = NonNullable<operations['listStatistics']['parameters']['query']>

interface SeedCase {
  readonly organizationIds: readonly string[]
  readonly stage?: Stage
  readonly status?: CaseStatus
  readonly nationality?: string
  readonly separationStatus?: string
  readonly dateOfBirth?: string
  readonly placementType?: PlacementType
  readonly inDetention?: boolean
  readonly placementDaysAgo?: number
  readonly detentionDaysClosed?: number
  readonly openedAt?: string
  readonly notifiedAfterHours?: number
  readonly guardianAfterDays?: number
  readonly decidedAfterDays?: number
}

let serial = 0
const OPENED = '2026-06-01T08:00:00.000Z'

/** Cases straight in the database: statistics are read-only, and this keeps the test fast. */
async function seed(database: TestDatabase, createdBy: string, cases: readonly SeedCase[]): Promise<void> {
  for (const item of cases) {
    const id = uuidv7()
    serial += 1
    const opened = new Date(item.openedAt ?? OPENED)
    const after = (hours: number) => new Date(opened.getTime() + hours * 3_600_000).toISOString()
    await database.db
      .insertInto('cases')
      .values({
        id,
        case_number: `ATD-2026-${String(serial).padStart(6, '0')}`,
        child_ref: `NNA-STAT-${serial}`,
        stage: item.stage ?? 'custody',
        status: item.status ?? 'open',
        risk_level: 'medium',
        lead_organization_id: item.organizationIds[0]!,
        opened_at: opened,
        created_by: createdBy,
        date_of_birth: item.dateOfBirth ?? null,
        demographics: { nationality: item.nationality ?? 'GT', separationStatus: item.separationStatus ?? 'unaccompanied' },
        custody: item.notifiedAfterHours === undefined ? {} : { procuraduriaNotifiedAt: after(item.notifiedAfterHours) },
        legal:
          item.guardianAfterDays === undefined
            ? {}
            : {
                guardian: {
                  type: 'procuraduria',
                  representationType: 'suplencia',
                  appointedAt: after(item.guardianAfterDays * 24).slice(0, 10),
                },
              },
        placement_type: item.placementType ?? null,
        placement_since: item.placementDaysAgo === undefined ? null : new Date(Date.now() - item.placementDaysAgo * 86_400_000),
        in_detention: item.inDetention ?? false,
        detention_days_closed: item.detentionDaysClosed ?? 0,
        best_interests:
          item.decidedAfterDays === undefined
            ? null
            : JSON.stringify({ decidedAt: after(item.decidedAfterDays * 24), outcome: 'family_reunification' }),
      })
      .execute()
    for (const [index, organizationId] of item.organizationIds.entries()) {
      await database.db
        .insertInto('case_participants')
        .values({
          organization_id: organizationId,
          case_id: id,
          basis: index === 0 ? 'lead' : 'legal_basis',
          legal_basis_code: index === 0 ? null : 'protection_measure',
          granted_by: createdBy,
        })
        .execute()
    }
  }
}

const times = (count: number, make: (index: number) => SeedCase): SeedCase[] => Array.from({ length: count }, (_, index) => make(index))

const bornYearsAgo = (years: number) => new Date(Date.now() - years * 365.25 * 86_400_000).toISOString().slice(0, 10)

/** The published form of a count (the service's rule, restated so the test can fail). */
const published = (count: number) => (count === 0 ? 0 : count < 5 ? '<5' : Math.round(count / 5) * 5)

t.test('calendar periods', async (t) => {
  const range = (code: string) => {
    const period = parsePeriod(code)
    return typeof period === 'string' ? period : [period.kind, period.from.toISOString(), period.to.toISOString()]
  }
  t.same(range('2026'), ['year', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'])
  t.same(range('2026-Q4'), ['quarter', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'])
  t.same(range('2026-11'), ['month', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'])
  t.same(range('2026-W47'), ['week', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z'])
  t.same(range('2026-W01'), ['week', '2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z'], 'week 1 holds 4 January')
  t.same(range('2026-W53'), ['week', '2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z'], '2026 starts on a Thursday: 53 weeks')
  t.same(
    range('2020-W53'),
    ['week', '2020-12-28T00:00:00.000Z', '2021-01-04T00:00:00.000Z'],
    'a leap year starting on a Wednesday: 53 weeks',
  )
  for (const bad of [
    '2027-W53',
    '2026-W00',
    '2026-13',
    '2026-00',
    '2026-Q0',
    '2026-Q5',
    '0000',
    '99999',
    '2026-11-01',
    '26',
    'now',
    '2026-w47',
    ' 2026',
    '',
  ]) {
    t.type(parsePeriod(bad), 'string', `${JSON.stringify(bad)} is not a period`)
  }
})

t.test('statistics', async (t) => {
  const { app, database, api } = await build(t)
  const procuraduria = await createOrganization(database, 'child_protection_authority')
  const otherProcuraduria = await createOrganization(database, 'child_protection_authority')
  const officer = await createUser(database, 'protection_officer', procuraduria)
  const otherOfficer = await createUser(database, 'protection_officer', otherProcuraduria)
  const auditor = await createUser(database, 'oversight_auditor')
  const ngo = await createUser(database, 'ngo_caseworker')

  await seed(database, officer.id, [
    // The officer's organisation (opened in June): 12 in custody, 3 in guardianship, 1 closed.
    ...times(12, (index) => ({
      organizationIds: [procuraduria],
      stage: 'custody',
      nationality: index < 11 ? 'HN' : 'SV',
      dateOfBirth: bornYearsAgo(13.5),
      placementType: 'dif_shelter',
      notifiedAfterHours: (index + 1) * 2,
    })),
    ...times(3, () => ({
      organizationIds: [procuraduria, ngo.organizationId],
      stage: 'guardianship',
      separationStatus: 'separated',
      guardianAfterDays: 10,
    })),
    { organizationIds: [procuraduria], stage: 'closed', status: 'closed', detentionDaysClosed: 4, decidedAfterDays: 30 },
    // The other organisation: 6 children in detention (opened 1 September, ISO week 36), 2 in a foster family (June).
    ...times(6, (index) => ({
      organizationIds: [otherProcuraduria],
      stage: 'identification',
      nationality: 'GT',
      placementType: 'migration_station',
      inDetention: true,
      placementDaysAgo: index + 1,
      decidedAfterDays: 20 + index * 5,
      openedAt: '2026-09-01T00:00:00.000Z',
    })),
    ...times(2, () => ({
      organizationIds: [otherProcuraduria],
      stage: 'custody',
      nationality: 'GT',
      placementType: 'foster_family',
      dateOfBirth: bornYearsAgo(3.5),
    })),
  ])

  const statisticsAs = async (user: TestUser, query: StatisticsQuery = {}) =>
    answered(t, await api(user).GET('/statistics', { params: { query } }), 200)

  await t.test(
    'the auditor sees every case: small cells suppressed, counts and totals rounded to 5, agreeing with a direct count',
    async (t) => {
      const stats = await statisticsAs(auditor)
      t.equal(stats.period, null)
      t.match(stats.method, /multiple of 5/)
      const direct = async (expression: string) => {
        const { rows } = await sql<{ value: string; count: number | string }>`
        SELECT ${sql.raw(expression)} AS value, count(*) AS count FROM cases WHERE status = 'open' GROUP BY 1`.execute(database.db)
        return Object.fromEntries(rows.map((row) => [row.value, published(Number(row.count))]))
      }
      t.match(stats.openCases.byStage, await direct('stage'))
      t.same(stats.openCases.byStage, {
        identification: 5,
        custody: 15,
        guardianship: '<5',
        legal_representation: 0,
        best_interest_determination: 0,
        durable_solution: 0,
      })
      t.same(stats.openCases.byPlacementType, await direct(`coalesce(placement_type, 'none')`))
      t.same(stats.openCases.byPlacementType, { dif_shelter: 10, migration_station: 5, foster_family: '<5', none: '<5' })
      t.same(stats.openCases.byNationality, await direct(`demographics->>'nationality'`))
      t.same(stats.openCases.byNationality, { HN: 10, SV: '<5', GT: 10 })
      t.match(stats.openCases.bySeparationStatus, await direct(`demographics->>'separationStatus'`))
      t.same(stats.openCases.bySeparationStatus, { unaccompanied: 20, separated: '<5', accompanied: 0 })
      t.same(stats.openCases.byAgeBracket, { '0-5': '<5', '6-11': 0, '12-14': 10, '15-17': 0, unknown: 10 })
      t.equal(stats.openCases.total, 25, '23 open cases are published as 25, not as the sum of the rounded cells')

      const { rows } = await sql<{ detained: number | string; days: number | string }>`
      SELECT count(*) FILTER (WHERE in_detention AND status = 'open') AS detained,
             sum(detention_days_closed + CASE WHEN in_detention THEN current_date - placement_since::date + 1 ELSE 0 END) AS days
      FROM cases`.execute(database.db)
      t.equal(stats.detention.childrenInDetentionNow, published(Number(rows[0]!.detained)))
      t.equal(Number(rows[0]!.days), 4 + (2 + 3 + 4 + 5 + 6 + 7))
      t.same(stats.detention, { childrenInDetentionNow: 5, childrenEverDetained: 5, totalDetentionDays: 30 }, '31 days are published as 30')

      t.same(
        stats.medians.hoursToProcuraduriaNotification,
        { median: 13, cases: 10 },
        'a median over 12 cases; the count of cases is rounded too',
      )
      t.same(stats.medians.daysToGuardianAppointment, { median: null, cases: '<5', withheld: 'fewer_than_10_cases' })
      t.same(stats.medians.daysToLegalRepresentation, { median: null, cases: 0, withheld: 'fewer_than_10_cases' })
      t.same(
        stats.medians.daysToDecidedDetermination,
        { median: null, cases: 5, withheld: 'fewer_than_10_cases' },
        'a median over 7 cases is withheld',
      )
      for (const count of Object.values(stats.openCases).flatMap((cells) => (typeof cells === 'object' ? Object.values(cells) : [cells]))) {
        t.ok(count === '<5' || (Number.isInteger(count) && count % 5 === 0), `${String(count)} is published`)
      }
    },
  )

  await t.test('a protection officer counts only the cases their organisation participates in', async (t) => {
    const mine = await statisticsAs(officer)
    t.same(mine.openCases.byStage, {
      identification: 0,
      custody: 10,
      guardianship: '<5',
      legal_representation: 0,
      best_interest_determination: 0,
      durable_solution: 0,
    })
    t.same(mine.detention, {
      childrenInDetentionNow: 0,
      childrenEverDetained: '<5',
      totalDetentionDays: null,
      withheld: 'fewer_than_5_children',
    })
    t.same(mine.medians.daysToDecidedDetermination, { median: null, cases: '<5', withheld: 'fewer_than_10_cases' })
    const other = await statisticsAs(otherOfficer)
    t.same(other.openCases.byPlacementType, { migration_station: 5, foster_family: '<5' })
    t.same(other.detention, { childrenInDetentionNow: 5, childrenEverDetained: 5, totalDetentionDays: 25 })
    const askingForAnother = await statisticsAs(otherOfficer, { organizationId: procuraduria })
    t.same(askingForAnother.openCases.byNationality, {}, 'naming another organisation does not widen the scope')
  })

  await t.test('figures per fixed calendar period: year, quarter, month and ISO week', async (t) => {
    const byOrganization = await statisticsAs(auditor, { organizationId: ngo.organizationId })
    t.same(byOrganization.openCases.byStage.guardianship, '<5')
    t.equal(byOrganization.openCases.byStage.custody, 0)
    const september = await statisticsAs(auditor, { period: '2026-09' })
    t.same(september.period, { code: '2026-09', from: '2026-09-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' })
    t.same(september.openCases.byNationality, { GT: 5 })
    t.same((await statisticsAs(auditor, { period: '2026-Q3' })).openCases.byNationality, { GT: 5 })
    t.same((await statisticsAs(auditor, { period: '2026-W36' })).openCases.byNationality, { GT: 5 }, '1 September 2026 is in ISO week 36')
    t.same((await statisticsAs(auditor, { period: '2026-W35' })).openCases.byNationality, {})
    t.same((await statisticsAs(auditor, { period: '2026-Q2' })).openCases.byNationality, { HN: 10, SV: '<5', GT: 5 })
    const year = await statisticsAs(auditor, { period: '2026' })
    t.same(year.openCases.byNationality, { HN: 10, SV: '<5', GT: 10 })
    t.equal(year.openCases.total, 25)
    t.same((await statisticsAs(auditor, { period: '2025' })).openCases.total, 0)
    const quarter = await statisticsAs(officer, { period: '2026-Q2', organizationId: procuraduria })
    t.equal(quarter.openCases.byStage.custody, 10)
  })

  await t.test('arbitrary windows and malformed periods are refused with 400 naming the parameter', async (t) => {
    // The attack of issue 13: a 1 ms window around one case's openedAt showed all its attributes.
    // from and to are not parameters of the document (the client's types refuse them): sent raw.
    for (const query of [
      '?from=2026-09-01T00:00:00Z&to=2026-09-01T00:00:00.001Z',
      '?from=2026-08-01T00:00:00Z',
      '?to=2026-08-01T00:00:00Z',
      '?period=2026&to=2026-08-01T00:00:00Z',
    ]) {
      const res = await app.inject({ method: 'GET', url: `/statistics${query}`, headers: auditor.headers })
      t.equal(res.statusCode, 400, query)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.match(res.json(), { type: 'urn:atd:problem:bad-request', detail: /fixed calendar period/ })
      t.ok(
        res.json().errors.some((error: { path: string }) => error.path === '/from' || error.path === '/to'),
        'names from or to',
      )
    }
    for (const period of ['2026-13', '2026-Q5', '2027-W53', '0000', '99999', '2026-11-01', 'last-week']) {
      const { response, error } = await api(auditor).GET('/statistics', { params: { query: { period } } })
      t.equal(response.status, 400, period)
      t.match(error, { type: 'urn:atd:problem:validation-error', errors: [{ path: /period/ }] })
    }
    // A parameter given twice, and one the document does not have: the client's types would not write them.
    const twice = await app.inject({ method: 'GET', url: '/statistics?period=2026-11&period=2026-12', headers: auditor.headers })
    t.equal(twice.statusCode, 400, 'a period given twice')
    const unknown = await app.inject({ method: 'GET', url: `/statistics?nationality=GT`, headers: auditor.headers })
    t.equal(unknown.statusCode, 400)
  })

  await t.test('one case alone in a period shows no attribute of it', async (t) => {
    await seed(database, officer.id, [
      {
        organizationIds: [procuraduria],
        nationality: 'VE',
        stage: 'custody',
        placementType: 'kinship_care',
        dateOfBirth: bornYearsAgo(16.2),
        openedAt: '2026-03-11T10:00:00.000Z',
        notifiedAfterHours: 5,
      },
    ])
    const week = await statisticsAs(auditor, { period: '2026-W11' })
    const cells = [
      week.openCases.total,
      ...Object.values(week.openCases.byNationality),
      ...Object.values(week.openCases.byPlacementType),
      ...Object.values(week.openCases.byAgeBracket),
    ]
    t.notOk(cells.includes(1), 'no cell reads 1')
    t.same(week.openCases.byNationality, { VE: '<5' })
    t.equal(week.openCases.total, '<5')
    t.same(week.medians.hoursToProcuraduriaNotification, { median: null, cases: '<5', withheld: 'fewer_than_10_cases' })
  })

  await t.test('the method is written in the API reference', async (t) => {
    // The reference itself is not an operation of the document: read raw.
    const res = await app.inject({ method: 'GET', url: '/docs/json' })
    const operation = res.json().paths['/statistics'].get
    t.match(operation.description, /fixed calendar period/)
    t.match(operation.description, /"<5"/)
    t.match(operation.description, /multiple of 5/)
    t.match(operation.description, /at least 10 cases/)
    t.ok(operation.parameters.some((parameter: { name: string }) => parameter.name === 'period'))
    t.notOk(operation.parameters.some((parameter: { name: string }) => parameter.name === 'from' || parameter.name === 'to'))
  })

  await t.test('other roles are refused, and every look is audited', async (t) => {
    for (const role of ['ngo_caseworker', 'migration_officer', 'attorney', 'system_admin'] as const) {
      const user = role === 'ngo_caseworker' ? ngo : await createUser(database, role)
      const refused = await api(user).GET('/statistics', { params: { query: { period: '2026' } } })
      t.equal(refused.response.status, 403, role)
    }
    const look = await api(auditor).GET('/statistics')
    t.equal(look.response.status, 200)
    const requestId = look.response.headers.get('x-request-id')
    t.ok(requestId, 'the answer names its request')
    const { rows } = await sql<{
      action: string
      outcome: string
    }>`SELECT action, outcome FROM audit_events WHERE request_id = ${requestId}`.execute(database.db)
    t.same(rows, [{ action: 'statistics.read', outcome: 'allowed' }])
  })
})
