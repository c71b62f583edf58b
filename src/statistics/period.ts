/**
 * Statistics are published per fixed calendar period, never for an arbitrary window: two
 * overlapping windows could be subtracted to isolate one child. A period is a year (`2026`), a
 * quarter (`2026-Q4`), a month (`2026-11`) or an ISO 8601 week (`2026-W47`), in UTC.
 */
export interface CalendarPeriod {
  readonly code: string
  readonly kind: 'year' | 'quarter' | 'month' | 'week'
  /** first instant of the period */
  readonly from: Date
  /** first instant after the period */
  readonly to: Date
}

export const PERIOD_PATTERN = /^(\d{4})(?:-(?:Q([1-4])|W(\d{2})|(\d{2})))?$/

/** Years outside this range are refused: no case of this service is older, none is in the far future. */
export const FIRST_YEAR = 2000
export const LAST_YEAR = 2100

const DAY_MS = 86_400_000

/** The Monday of ISO week 1: the week holding 4 January. */
function isoWeekOneMonday(year: number): number {
  const january4 = Date.UTC(year, 0, 4)
  const weekday = (new Date(january4).getUTCDay() + 6) % 7 // Monday 0 … Sunday 6
  return january4 - weekday * DAY_MS
}

/** 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday. */
export function isoWeeksIn(year: number): number {
  return (isoWeekOneMonday(year + 1) - isoWeekOneMonday(year)) / (7 * DAY_MS)
}

/** The period a code names, or a sentence saying why it names none. */
export function parsePeriod(code: string): CalendarPeriod | string {
  const match = PERIOD_PATTERN.exec(code)
  if (!match) return 'must be a calendar period: a year (2026), a quarter (2026-Q4), a month (2026-11) or an ISO week (2026-W47)'
  const year = Number(match[1])
  if (year < FIRST_YEAR || year > LAST_YEAR) return `the year must be between ${FIRST_YEAR} and ${LAST_YEAR}`
  const [, , quarter, week, month] = match
  if (quarter) {
    const first = (Number(quarter) - 1) * 3
    return { code, kind: 'quarter', from: new Date(Date.UTC(year, first, 1)), to: new Date(Date.UTC(year, first + 3, 1)) }
  }
  if (week) {
    const number = Number(week)
    if (number < 1 || number > isoWeeksIn(year)) return `${year} has ISO weeks 01 to ${isoWeeksIn(year)}`
    const from = isoWeekOneMonday(year) + (number - 1) * 7 * DAY_MS
    return { code, kind: 'week', from: new Date(from), to: new Date(from + 7 * DAY_MS) }
  }
  if (month) {
    const number = Number(month)
    if (number < 1 || number > 12) return 'the month must be 01 to 12'
    return { code, kind: 'month', from: new Date(Date.UTC(year, number - 1, 1)), to: new Date(Date.UTC(year, number, 1)) }
  }
  return { code, kind: 'year', from: new Date(Date.UTC(year, 0, 1)), to: new Date(Date.UTC(year + 1, 0, 1)) }
}
