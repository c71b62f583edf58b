import { z } from 'zod'
import { parsePeriod } from './period.js'

export const statisticsQuerySchema = z.strictObject({
  period: z
    .string()
    .superRefine((value, ctx) => {
      const period = parsePeriod(value)
      if (typeof period === 'string') ctx.addIssue({ code: 'custom', message: `period ${period}` })
    })
    .optional()
    .describe(
      'a fixed calendar period, in UTC: a year (2026), a quarter (2026-Q4), a month (2026-11) or an ISO week (2026-W47); the cases opened in it. Without it, every case.',
    )
    .meta({ examples: ['2026-11', '2026-Q4', '2026', '2026-W47'] }),
  organizationId: z.uuid().optional().describe('cases this organisation participates in'),
})

export type StatisticsQuery = z.infer<typeof statisticsQuerySchema>

/**
 * A published count: 0, "<5" for 1 to 4, otherwise rounded to the nearest multiple of 5, so no
 * figure, nor the difference of two figures, singles out a child.
 */
export const publishedCountSchema = z.union([z.number().int().min(0).multipleOf(5), z.literal('<5')])

const countsSchema = z.record(z.string(), publishedCountSchema)

export const WITHHELD_REASONS = ['fewer_than_10_cases', 'fewer_than_5_children'] as const

const medianSchema = z.object({
  median: z.number().nullable().describe('the median, to one decimal; null when fewer than 10 cases have the timing'),
  cases: publishedCountSchema.describe('how many cases the median is over (published like every count)'),
  withheld: z.enum(WITHHELD_REASONS).optional().describe('why the median is null'),
})

const breakdownSchema = z.object({
  byStage: countsSchema.describe('open cases by stage'),
  byPlacementType: countsSchema.describe('open cases by the type of the current placement'),
  byNationality: countsSchema.describe('open cases by the child’s nationality'),
  byAgeBracket: countsSchema.describe('open cases by the child’s age bracket'),
  bySeparationStatus: countsSchema.describe('open cases by separation status'),
  total: publishedCountSchema.describe('all open cases, rounded on its own (not the sum of the rounded cells)'),
})

export const statisticsSchema = z.object({
  period: z
    .object({
      code: z.string().describe('the period as asked (2026-11, 2026-Q4, 2026, 2026-W47)'),
      from: z.string().describe('first instant of the period (UTC)'),
      to: z.string().describe('first instant after the period (UTC)'),
    })
    .nullable()
    .describe('the calendar period; null for every case'),
  method: z.string().describe('how the figures were protected, in one sentence'),
  openCases: breakdownSchema.describe('the open cases, broken down'),
  detention: z
    .object({
      childrenInDetentionNow: publishedCountSchema.describe('children held in a migration station now'),
      childrenEverDetained: publishedCountSchema.describe('children ever held in a migration station'),
      totalDetentionDays: z
        .number()
        .int()
        .multipleOf(5)
        .nullable()
        .describe('calendar days started in a migration station, rounded to a multiple of 5; null when 1 to 4 children were ever detained'),
      withheld: z.enum(WITHHELD_REASONS).optional().describe('why totalDetentionDays is null'),
    })
    .describe('children held in migration stations'),
  medians: z
    .object({
      hoursToProcuraduriaNotification: medianSchema.describe('hours from opening to notifying the Procuraduría'),
      daysToGuardianAppointment: medianSchema.describe('days from opening to appointing a guardian'),
      daysToLegalRepresentation: medianSchema.describe('days from opening to legal representation'),
      daysToDecidedDetermination: medianSchema.describe('days from opening to a decided best-interests determination'),
    })
    .describe('how long the protection steps took, as medians'),
})

export type Statistics = z.infer<typeof statisticsSchema>
