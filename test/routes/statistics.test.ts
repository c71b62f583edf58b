import { sql } from 'kysely'
import t from 'tap'
import { v7 as uuidv7 } from 'uuid'
import { build, createOrganization, createUser } from '../helpers/build.js'
import type { TestDatabase } from '../helpers/database.js'

interface SeedCase {
  readonly organizationIds: readonly string[]
  readonly stage?: string
  readonly status?: 'open' | 'closed'
  readonly nationality?: string
  readonly separationStatus?: string
  readonly dateOfBirth?: string
  readonly placementType?: string
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
            : { guardian: { type: 'procuraduria', representationType: 'suplencia', appointedAt: after(item.guardianAfterDays * 24).slice(0, 10) } },
        placement_type: item.placementType ?? null,
        placement_since: item.placementDaysAgo === undefined ? null : new Date(Date.now() - item.placementDaysAgo * 86_400_000),
        in_detention: item.inDetention ?? false,
        detention_days_closed: item.detentionDaysClosed ?? 0,
        best_interests: item.decidedAfterDays === undefined ? null : JSON.stringify({ decidedAt: after(item.decidedAfterDays * 24), outcome: 'family_reunification' }),
      })
      .execute()
    for (const [index, organizationId] of item.organizationIds.entries()) {
      await database.db
        .insertInto('case_participants')
        .values({ organization_id: organizationId, case_id: id, basis: index === 0 ? 'lead' : 'legal_basis', legal_basis_code: index === 0 ? null : 'protection_measure', granted_by: createdBy })
        .execute()
    }
  }
}

const times = <T>(count: number, make: (index: number) => T): T[] => Array.from({ length: count }, (_, index) => make(index))

const bornYearsAgo = (years: number) => new Date(Date.now() - years * 365.25 * 86_400_000).toISOString().slice(0, 10)

const suppressed = (count: number) => (count > 0 && count < 5 ? '<5' : count)

t.test('statistics', async (t) => {
  const { app, database } = await build(t)
  const procuraduria = await createOrganization(database, 'child_protection_authority')
  const otherProcuraduria = await createOrganization(database, 'child_protection_authority')
  const officer = await createUser(database, 'protection_officer', procuraduria)
  const otherOfficer = await createUser(database, 'protection_officer', otherProcuraduria)
  const auditor = await createUser(database, 'oversight_auditor')
  const ngo = await createUser(database, 'ngo_caseworker')

  await seed(database, officer.id, [
    // The officer's organisation: 7 in custody, 3 in guardianship, 1 closed.
    ...times(7, (index) => ({
      organizationIds: [procuraduria],
      stage: 'custody',
      nationality: index < 6 ? 'HN' : 'SV',
      dateOfBirth: bornYearsAgo(13.5),
      placementType: 'shelter',
      notifiedAfterHours: (index + 1) * 2,
    })),
    ...times(3, () => ({ organizationIds: [procuraduria, ngo.organizationId], stage: 'guardianship', separationStatus: 'separated', guardianAfterDays: 10 })),
    { organizationIds: [procuraduria], stage: 'closed', status: 'closed', detentionDaysClosed: 4, decidedAfterDays: 30 },
    // The other organisation: 6 children in detention, 2 in a foster family, decisions after 20..45 days.
    ...times(6, (index) => ({
      organizationIds: [otherProcuraduria],
      stage: 'identification',
      nationality: 'GT',
      placementType: 'detention',
      inDetention: true,
      placementDaysAgo: index + 1,
      decidedAfterDays: 20 + index * 5,
      openedAt: '2026-09-01T00:00:00.000Z',
    })),
    ...times(2, () => ({ organizationIds: [otherProcuraduria], stage: 'custody', nationality: 'GT', placementType: 'foster_family', dateOfBirth: bornYearsAgo(3.5) })),
  ])

  const statisticsAs = async (headers: Record<string, string>, query = '') => {
    const res = await app.inject({ method: 'GET', url: `/statistics${query}`, headers })
    t.equal(res.statusCode, 200, res.body)
    return res.json()
  }

  await t.test('the auditor sees every case, with small cells suppressed, agreeing with a direct count', async (t) => {
    const stats = await statisticsAs(auditor.headers)
    const direct = async (expression: string) => {
      const { rows } = await sql<{ value: string; count: number | string }>`
        SELECT ${sql.raw(expression)} AS value, count(*) AS count FROM cases WHERE status = 'open' GROUP BY 1`.execute(database.db)
      return Object.fromEntries(rows.map((row) => [row.value, suppressed(Number(row.count))]))
    }
    t.match(stats.openCases.byStage, await direct('stage'))
    t.same(stats.openCases.byStage, { identification: 6, custody: 9, guardianship: '<5', legal_representation: 0, best_interest_determination: 0, durable_solution: 0 })
    t.same(stats.openCases.byPlacementType, await direct(`coalesce(placement_type, 'none')`))
    t.same(stats.openCases.byPlacementType, { shelter: 7, detention: 6, foster_family: '<5', none: '<5' })
    t.same(stats.openCases.byNationality, await direct(`demographics->>'nationality'`))
    t.same(stats.openCases.byNationality, { HN: 6, SV: '<5', GT: 11 })
    t.match(stats.openCases.bySeparationStatus, await direct(`demographics->>'separationStatus'`))
    t.same(stats.openCases.bySeparationStatus, { unaccompanied: 15, separated: '<5', accompanied: 0 })
    t.same(stats.openCases.byAgeBracket, { '0-5': '<5', '6-11': 0, '12-14': 7, '15-17': 0, unknown: 9 })

    const { rows } = await sql<{ detained: number | string; days: number | string }>`
      SELECT count(*) FILTER (WHERE in_detention AND status = 'open') AS detained,
             sum(detention_days_closed + CASE WHEN in_detention THEN current_date - placement_since::date + 1 ELSE 0 END) AS days
      FROM cases`.execute(database.db)
    t.equal(stats.detention.childrenInDetentionNow, Number(rows[0]!.detained))
    t.equal(stats.detention.totalDetentionDays, Number(rows[0]!.days))
    t.equal(stats.detention.totalDetentionDays, 4 + (2 + 3 + 4 + 5 + 6 + 7))

    t.same(stats.medians.hoursToProcuraduriaNotification, { median: 8, cases: 7 })
    t.same(stats.medians.daysToGuardianAppointment, { median: null, cases: '<5' }, 'a median over fewer than 5 cases is withheld')
    t.same(stats.medians.daysToLegalRepresentation, { median: null, cases: 0 })
    t.same(stats.medians.daysToDecidedDetermination, { median: 30, cases: 7 })
  })

  await t.test('a protection officer counts only the cases their organisation participates in', async (t) => {
    const mine = await statisticsAs(officer.headers)
    t.same(mine.openCases.byStage, { identification: 0, custody: 7, guardianship: '<5', legal_representation: 0, best_interest_determination: 0, durable_solution: 0 })
    t.same(mine.detention, { childrenInDetentionNow: 0, totalDetentionDays: null })
    t.same(mine.medians.daysToDecidedDetermination, { median: null, cases: '<5' })
    const other = await statisticsAs(otherOfficer.headers)
    t.same(other.openCases.byPlacementType, { detention: 6, foster_family: '<5' })
    t.same(other.detention, { childrenInDetentionNow: 6, totalDetentionDays: 2 + 3 + 4 + 5 + 6 + 7 })
    const askingForAnother = await statisticsAs(otherOfficer.headers, `?organizationId=${procuraduria}`)
    t.same(askingForAnother.openCases.byNationality, {}, 'naming another organisation does not widen the scope')
  })

  await t.test('filters by organisation and by opening date', async (t) => {
    const byOrganization = await statisticsAs(auditor.headers, `?organizationId=${ngo.organizationId}`)
    t.same(byOrganization.openCases.byStage.guardianship, '<5')
    t.equal(byOrganization.openCases.byStage.custody, 0)
    const since = await statisticsAs(auditor.headers, `?from=${encodeURIComponent('2026-08-01T00:00:00Z')}`)
    t.same(since.openCases.byNationality, { GT: 6 })
    const until = await statisticsAs(auditor.headers, `?to=${encodeURIComponent('2026-08-01T00:00:00Z')}`)
    t.same(until.openCases.byNationality, { HN: 6, SV: '<5', GT: 5 })
    const reversed = await app.inject({ method: 'GET', url: `/statistics?from=2026-09-01T00:00:00Z&to=2026-08-01T00:00:00Z`, headers: auditor.headers })
    t.equal(reversed.statusCode, 400)
    const unknown = await app.inject({ method: 'GET', url: `/statistics?nationality=GT`, headers: auditor.headers })
    t.equal(unknown.statusCode, 400)
  })

  await t.test('other roles are refused, and every look is audited', async (t) => {
    for (const role of ['ngo_caseworker', 'migration_officer', 'attorney', 'system_admin'] as const) {
      const user = role === 'ngo_caseworker' ? ngo : await createUser(database, role)
      const res = await app.inject({ method: 'GET', url: '/statistics', headers: user.headers })
      t.equal(res.statusCode, 403, role)
    }
    const requestId = `stats-${Date.now()}`
    await app.inject({ method: 'GET', url: '/statistics', headers: { ...auditor.headers, 'x-request-id': requestId } })
    const { rows } = await sql<{ action: string; outcome: string }>`SELECT action, outcome FROM audit_events WHERE request_id = ${requestId}`.execute(database.db)
    t.same(rows, [{ action: 'statistics.read', outcome: 'allowed' }])
  })
})
