import type { Kysely } from 'kysely'
import { caseScopeFilter } from '../access/case-scope.js'
import { AGE_BRACKETS, SEPARATION_STATUSES, STAGES } from '../cases/case-sections.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import type { AppAbility } from '../access/abilities.js'
import type { Statistics } from './statistics.schemas.js'
import { type Breakdown, type StatisticsFilters, detentionAndTimings, openCaseBreakdowns } from './statistics.repository.js'

/** Below this, a count could point at a child. */
export const SMALL_CELL = 5

/** 1 to 4 become "<5"; 0 stays 0 (an empty cell singles no one out). */
export function suppress(count: number): number | '<5' {
  return count > 0 && count < SMALL_CELL ? '<5' : count
}

const round = (value: number) => Math.round(value * 10) / 10

function median(value: number | null, cases: number) {
  return { median: value !== null && cases >= SMALL_CELL ? round(value) : null, cases: suppress(cases) }
}

/** Known categories appear even when empty, so a reader sees a 0 rather than a missing row. */
const KNOWN_VALUES: Partial<Record<Breakdown, readonly string[]>> = {
  stage: STAGES.filter((stage) => stage !== 'closed'),
  ageBracket: AGE_BRACKETS,
  separationStatus: SEPARATION_STATUSES,
}

/**
 * Statistics over the cases in the caller's scope (every case for an auditor, the cases their
 * organisation participates in for a protection officer), computed in SQL.
 */
export async function statisticsFor(db: Kysely<Database>, ability: AppAbility, filters: StatisticsFilters): Promise<Statistics> {
  if (filters.from && filters.to && Date.parse(filters.from) > Date.parse(filters.to)) {
    throw new AppError('bad-request', '`from` must not be after `to`')
  }
  const scope = caseScopeFilter(ability, 'read')
  const breakdownRows = await openCaseBreakdowns(db, scope, filters)
  const timings = await detentionAndTimings(db, scope, filters)

  const counts = (breakdown: Breakdown) => {
    const result: Record<string, number | '<5'> = {}
    for (const value of KNOWN_VALUES[breakdown] ?? []) result[value] = 0
    for (const row of breakdownRows) if (row.breakdown === breakdown) result[row.value] = suppress(row.count)
    return result
  }
  return {
    openCases: {
      byStage: counts('stage'),
      byPlacementType: counts('placementType'),
      byNationality: counts('nationality'),
      byAgeBracket: counts('ageBracket'),
      bySeparationStatus: counts('separationStatus'),
    },
    detention: {
      childrenInDetentionNow: suppress(timings.in_detention_now),
      totalDetentionDays: timings.detained_children === 0 || timings.detained_children >= SMALL_CELL ? timings.detention_days : null,
    },
    medians: {
      hoursToProcuraduriaNotification: median(timings.hours_to_notification, timings.notification_cases),
      daysToGuardianAppointment: median(timings.days_to_guardian, timings.guardian_cases),
      daysToLegalRepresentation: median(timings.days_to_representation, timings.representation_cases),
      daysToDecidedDetermination: median(timings.days_to_determination, timings.determination_cases),
    },
  }
}
