import { detailText } from '../i18n/messages.js'
import { isoDate, isoDateTime } from '../http/dates.js'
import { AppError } from '../http/problem.js'

/**
 * Dates are checked against the world (PRODUCT.md, "The case lifecycle"): nothing happens in the
 * future, nor before the case was opened unless it describes the child's past.
 */

/** A clock-skew allowance: a time "now" from a client slightly ahead is not in the future. */
export const CLOCK_TOLERANCE_MS = 5 * 60 * 1000
/** The oldest a child whose case this service holds can be: a case stays open past 18 (turned_18 closes it), not for decades. */
export const MAX_AGE_YEARS = 25

const todayUtc = () => new Date().toISOString().slice(0, 10)

/** A calendar date not after today (UTC, which is never behind Mexico's date). */
export const pastDate = isoDate.refine((value) => value <= todayUtc(), 'must not be in the future')

/** An instant not in the future (beyond a few minutes of clock skew). */
export const pastDateTime = isoDateTime.refine((value) => Date.parse(value) <= Date.now() + CLOCK_TOLERANCE_MS, 'must not be in the future')

/** Full years between a date of birth and today. */
export function ageInYears(dateOfBirth: string, today = todayUtc()): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number]
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number]
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0)
}

/** A child's date of birth: not in the future, and not so far back that the case could not be a child's. */
export const dateOfBirth = pastDate.refine(
  (value) => ageInYears(value) <= MAX_AGE_YEARS,
  `gives an age over ${MAX_AGE_YEARS}: not a child's case`,
)

/** A 422 naming the field that breaks a rule against the rest of the record. */
export function recordRuleViolation(field: string, detail: string): AppError {
  return new AppError('unprocessable-entity', detail, {
    errors: [{ in: 'body', path: `/${field.replaceAll('.', '/')}`, message: detail }],
    invalidFields: [field],
  })
}

/** Fields of the custody section that record events after the case was opened. */
const AFTER_OPENING = ['procuraduriaNotifiedAt', 'channelledAt'] as const

/**
 * The rules of a case write against the case itself: the Procuraduría notification and the
 * channelling happen after the case was opened (identification), never before (a 2000 date on a
 * 2026 case would defeat the 24-hour rule and the notification median).
 */
export function checkCaseDates(input: { custody?: Record<string, unknown> | undefined }, openedAt: Date): void {
  for (const field of AFTER_OPENING) {
    const value = input.custody?.[field]
    if (typeof value !== 'string') continue
    if (Date.parse(value) < openedAt.getTime() - CLOCK_TOLERANCE_MS) {
      throw recordRuleViolation(`custody.${field}`, detailText(`custody.${field} cannot be before the case was opened`))
    }
  }
}
