import type { Kysely } from 'kysely'
import { caseScopeFilter } from '../access/case-scope.js'
import { AGE_BRACKETS, SEPARATION_STATUSES, STAGES } from '../cases/case-sections.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { ruleSentence } from '../i18n/catalogue.js'
import type { Language } from '../i18n/language.js'
import type { AppAbility } from '../access/abilities.js'
import { parsePeriod } from './period.js'
import type { Statistics, StatisticsQuery } from './statistics.schemas.js'
import { type Breakdown, detentionAndTimings, openCaseBreakdowns } from './statistics.repository.js'

/** Below this, a count could point at a child. */
export const SMALL_CELL = 5
/** Counts are published as multiples of this. */
export const ROUNDING_BASE = 5
/** A median is published only over at least this many cases. */
export const MEDIAN_MIN_CASES = 10

/**
 * How the figures are published, in the language asked for (the message catalogues, `sentences.statistics`).
 * Figures are cached and kept whatever the language, so the route says this when it answers.
 */
export function statisticsMethod(language: Language): string {
  return ruleSentence('statistics', 'method', language, {
    smallCell: String(SMALL_CELL),
    smallCellMax: String(SMALL_CELL - 1),
    roundingBase: String(ROUNDING_BASE),
    medianMinCases: String(MEDIAN_MIN_CASES),
  })
}

/** 0 stays 0 (an empty cell singles no one out), 1 to 4 become "<5", the rest round to the nearest multiple of 5. */
export function publish(count: number): number | '<5' {
  if (count <= 0) return 0
  if (count < SMALL_CELL) return '<5'
  return Math.round(count / ROUNDING_BASE) * ROUNDING_BASE
}

const oneDecimal = (value: number) => Math.round(value * 10) / 10

function median(value: number | null, cases: number): Statistics['medians']['hoursToProcuraduriaNotification'] {
  if (value === null || cases < MEDIAN_MIN_CASES) return { median: null, cases: publish(cases), withheld: 'fewer_than_10_cases' }
  return { median: oneDecimal(value), cases: publish(cases) }
}

/** Known categories appear even when empty, so a reader sees a 0 rather than a missing row. */
const KNOWN_VALUES: Partial<Record<Breakdown, readonly string[]>> = {
  stage: STAGES.filter((stage) => stage !== 'closed'),
  ageBracket: AGE_BRACKETS,
  separationStatus: SEPARATION_STATUSES,
}

/**
 * Statistics over the cases in the caller's scope (every case for an auditor, the cases their
 * organisation participates in for a protection officer) opened in one calendar period, computed
 * in SQL and published with the disclosure control that statisticsMethod states.
 */
export async function statisticsFor(db: Kysely<Database>, ability: AppAbility, query: StatisticsQuery): Promise<Statistics> {
  const period = query.period === undefined ? undefined : parsePeriod(query.period)
  if (typeof period === 'string')
    throw new AppError('validation-error', `period ${period}`, { errors: [{ in: 'querystring', path: '/period', message: period }] })
  const filters = { from: period?.from, to: period?.to, organizationId: query.organizationId }
  const scope = caseScopeFilter(ability, 'read')
  const breakdownRows = await openCaseBreakdowns(db, scope, filters)
  const timings = await detentionAndTimings(db, scope, filters)

  const counts = (breakdown: Breakdown) => {
    const result: Record<string, number | '<5'> = {}
    for (const value of KNOWN_VALUES[breakdown] ?? []) result[value] = 0
    for (const row of breakdownRows) if (row.breakdown === breakdown) result[row.value] = publish(row.count)
    return result
  }
  const openTotal = breakdownRows.filter((row) => row.breakdown === 'stage').reduce((sum, row) => sum + row.count, 0)
  const fewDetained = timings.detained_children > 0 && timings.detained_children < SMALL_CELL
  return {
    period: period ? { code: period.code, from: period.from.toISOString(), to: period.to.toISOString() } : null,
    method: statisticsMethod('en'),
    openCases: {
      byStage: counts('stage'),
      byPlacementType: counts('placementType'),
      byNationality: counts('nationality'),
      byAgeBracket: counts('ageBracket'),
      bySeparationStatus: counts('separationStatus'),
      total: publish(openTotal),
    },
    detention: {
      childrenInDetentionNow: publish(timings.in_detention_now),
      childrenEverDetained: publish(timings.detained_children),
      ...(fewDetained
        ? { totalDetentionDays: null, withheld: 'fewer_than_5_children' as const }
        : { totalDetentionDays: Math.round(timings.detention_days / ROUNDING_BASE) * ROUNDING_BASE }),
    },
    medians: {
      hoursToProcuraduriaNotification: median(timings.hours_to_notification, timings.notification_cases),
      daysToGuardianAppointment: median(timings.days_to_guardian, timings.guardian_cases),
      daysToLegalRepresentation: median(timings.days_to_representation, timings.representation_cases),
      daysToDecidedDetermination: median(timings.days_to_determination, timings.determination_cases),
    },
  }
}
