import { z } from 'zod'

/** A calendar date the calendar keeps: years 2000-2100 (year 0 or 99999 is a 400, never a 500). */
const calendarDate = z.iso.date().refine((value) => /^(20\d\d|2100)-/.test(value), 'a date between 2000 and 2100')

/** `law`: a rest day of the Federal Labour Law art. 74; `declared`: declared non-working by an authority. */
export const NON_WORKING_DAY_SOURCES = ['law', 'declared'] as const
export type NonWorkingDaySource = (typeof NON_WORKING_DAY_SOURCES)[number]

export const nonWorkingDayQuerySchema = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).describe('the calendar year (2000-2100)'),
})

export const nonWorkingDayParamsSchema = z.strictObject({ date: calendarDate.describe('the calendar day (YYYY-MM-DD, 2000-2100)') })

export const newNonWorkingDaySchema = z.strictObject({
  date: calendarDate.describe('the day to declare non-working, YYYY-MM-DD'),
  reason: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .transform((value) => value.normalize('NFC'))
    .describe('why the day is not a working day (an authority’s declaration, e.g. Holy Thursday)'),
})
export type NewNonWorkingDayInput = z.infer<typeof newNonWorkingDaySchema>

export const nonWorkingDaySchema = z
  .object({
    date: z.string().describe('YYYY-MM-DD'),
    reason: z.string().describe('why it is not a working day (the holiday’s name or the declaration)'),
    source: z
      .enum(NON_WORKING_DAY_SOURCES)
      .describe('`law`: a rest day of the Federal Labour Law art. 74; `declared`: declared non-working by an authority'),
  })
  .describe('A day that is not a working day, besides Saturdays and Sundays')

export const nonWorkingDayListSchema = z.object({
  year: z.number().int().describe('the year asked for'),
  items: z.array(nonWorkingDaySchema).describe('the year’s non-working days besides weekends, by date'),
})
