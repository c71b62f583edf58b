import { type Kysely, sql } from 'kysely'
import type { ScopeFilter } from '../cases/case.repository.js'
import type { Database } from '../db/schema.js'

export interface StatisticsFilters {
  /** cases opened at or after */
  readonly from?: Date | undefined
  /** cases opened before */
  readonly to?: Date | undefined
  /** cases this organisation participates in */
  readonly organizationId?: string | undefined
}

export const BREAKDOWNS = ['stage', 'placementType', 'nationality', 'ageBracket', 'separationStatus'] as const
export type Breakdown = (typeof BREAKDOWNS)[number]

export interface BreakdownRow {
  breakdown: Breakdown
  value: string
  count: number
}

export interface TimingRow {
  in_detention_now: number
  detention_days: number
  detained_children: number
  hours_to_notification: number | null
  notification_cases: number
  days_to_guardian: number | null
  guardian_cases: number
  days_to_representation: number | null
  representation_cases: number
  days_to_determination: number | null
  determination_cases: number
}

/**
 * The cases in the caller's scope that the filters select, read from case_statistics (the narrow
 * copy kept by a trigger). It is named `cases` here: the scope conditions name cases.id and
 * cases.stage, which it carries under the same names.
 */
function casesInScope(db: Kysely<Database>, scope: ScopeFilter, filters: StatisticsFilters) {
  // The scope is written for `cases`; this narrow copy carries the columns it names under the same names.
  let query = db.selectFrom('case_statistics as cases').where(scope as never)
  if (filters.from) query = query.where('cases.opened_at', '>=', filters.from)
  if (filters.to) query = query.where('cases.opened_at', '<', filters.to)
  if (filters.organizationId) {
    const organizationId = filters.organizationId
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM case_participants p WHERE p.case_id = cases.id AND p.organization_id = ${organizationId}::uuid AND p.ended_at IS NULL)`,
    )
  }
  return query
}

const AGE_BRACKET = sql<string>`CASE
  WHEN cases.date_of_birth IS NULL THEN 'unknown'
  WHEN date_part('year', age(current_date, cases.date_of_birth)) < 6 THEN '0-5'
  WHEN date_part('year', age(current_date, cases.date_of_birth)) < 12 THEN '6-11'
  WHEN date_part('year', age(current_date, cases.date_of_birth)) < 15 THEN '12-14'
  WHEN date_part('year', age(current_date, cases.date_of_birth)) < 18 THEN '15-17'
  ELSE '18+' END`

/** Open cases counted by five dimensions in one pass (GROUPING SETS). */
export async function openCaseBreakdowns(db: Kysely<Database>, scope: ScopeFilter, filters: StatisticsFilters): Promise<BreakdownRow[]> {
  const open = casesInScope(db, scope, filters)
    .where('cases.status', '=', 'open')
    .select([
      'cases.stage as stage',
      sql<string>`coalesce(cases.placement_type, 'none')`.as('placement_type'),
      sql<string>`coalesce(cases.nationality, 'unknown')`.as('nationality'),
      AGE_BRACKET.as('age_bracket'),
      sql<string>`coalesce(cases.separation_status, 'unknown')`.as('separation_status'),
    ])
  const { rows } = await sql<{ breakdown: Breakdown; value: string; count: number | string }>`
    SELECT CASE
             WHEN grouping(stage) = 0 THEN 'stage'
             WHEN grouping(placement_type) = 0 THEN 'placementType'
             WHEN grouping(nationality) = 0 THEN 'nationality'
             WHEN grouping(age_bracket) = 0 THEN 'ageBracket'
             ELSE 'separationStatus' END AS breakdown,
           coalesce(stage, placement_type, nationality, age_bracket, separation_status) AS value,
           count(*) AS count
    FROM (${open}) c
    GROUP BY GROUPING SETS ((stage), (placement_type), (nationality), (age_bracket), (separation_status))`.execute(db)
  return rows.map((row) => ({ breakdown: row.breakdown, value: row.value, count: Number(row.count) }))
}

/** Detention now and in total, and the medians of the protection timings, in one pass. */
export async function detentionAndTimings(db: Kysely<Database>, scope: ScopeFilter, filters: StatisticsFilters): Promise<TimingRow> {
  const selected = casesInScope(db, scope, filters).select([
    sql<boolean>`cases.in_detention AND cases.status = 'open'`.as('detained_now'),
    // As the case file derives daysInDetention: closed stays plus the running one, counting today.
    sql<number>`cases.detention_days_closed + CASE WHEN cases.in_detention AND cases.placement_since IS NOT NULL
      THEN (current_date - cases.placement_since::date) + 1 ELSE 0 END`.as('detention_days'),
    'cases.hours_to_notification',
    'cases.days_to_guardian',
    'cases.days_to_representation',
    'cases.days_to_determination',
  ])
  const { rows } = await sql<Record<keyof TimingRow, number | string | null>>`
    SELECT count(*) FILTER (WHERE detained_now) AS in_detention_now,
           coalesce(sum(detention_days), 0) AS detention_days,
           count(*) FILTER (WHERE detention_days > 0) AS detained_children,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_notification) AS hours_to_notification,
           count(hours_to_notification) AS notification_cases,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_guardian) AS days_to_guardian,
           count(days_to_guardian) AS guardian_cases,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_representation) AS days_to_representation,
           count(days_to_representation) AS representation_cases,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_determination) AS days_to_determination,
           count(days_to_determination) AS determination_cases
    FROM (${selected}) c`.execute(db)
  const row = rows[0]!
  const numberOrNull = (value: number | string | null) => (value === null ? null : Number(value))
  return {
    in_detention_now: Number(row.in_detention_now),
    detention_days: Number(row.detention_days),
    detained_children: Number(row.detained_children),
    hours_to_notification: numberOrNull(row.hours_to_notification),
    notification_cases: Number(row.notification_cases),
    days_to_guardian: numberOrNull(row.days_to_guardian),
    guardian_cases: Number(row.guardian_cases),
    days_to_representation: numberOrNull(row.days_to_representation),
    representation_cases: Number(row.representation_cases),
    days_to_determination: numberOrNull(row.days_to_determination),
    determination_cases: Number(row.determination_cases),
  }
}
