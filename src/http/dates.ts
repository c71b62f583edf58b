import { z } from 'zod'

/**
 * The one date and date-time schema of every body and query. The ISO grammar alone admits year 0000
 * (which PostgreSQL refuses, so it surfaced as a 500) and nothing in this service's world happens
 * before 1900 or after 2999: such a date is a typo or a probe, and a 400.
 */
export const EARLIEST_YEAR = 1900
export const LATEST_YEAR = 2999

const YEAR_MESSAGE = `a year from ${EARLIEST_YEAR} to ${LATEST_YEAR}`
const yearInRange = (value: string) => {
  const year = Number(value.slice(0, 4))
  return year >= EARLIEST_YEAR && year <= LATEST_YEAR
}

/** A calendar date, `YYYY-MM-DD`. */
export const isoDate = z.iso.date().refine(yearInRange, YEAR_MESSAGE)

/** An instant with its offset, `YYYY-MM-DDTHH:MM:SS(.sss)(Z|±HH:MM)`. */
export const isoDateTime = z.iso.datetime({ offset: true }).refine(yearInRange, YEAR_MESSAGE)

/** Either of the two, where the contract takes a day or an exact time. */
export const isoDateOrDateTime = z.union([isoDate, isoDateTime])
