import { z } from 'zod'
import { isoDateTime } from '../http/dates.js'

export const statisticsQuerySchema = z.strictObject({
  from: isoDateTime.optional().describe('cases opened at or after'),
  to: isoDateTime.optional().describe('cases opened before'),
  organizationId: z.uuid().optional().describe('cases this organisation participates in'),
})

/** A count, or "<5" when it is 1 to 4: no statistic may single out a child. */
export const suppressedCountSchema = z.union([z.number().int().min(0), z.literal('<5')])

const countsSchema = z.record(z.string(), suppressedCountSchema)

const medianSchema = z.object({
  median: z.number().nullable().describe('null when fewer than 5 cases have the timing'),
  cases: suppressedCountSchema,
})

export const statisticsSchema = z.object({
  openCases: z.object({
    byStage: countsSchema,
    byPlacementType: countsSchema,
    byNationality: countsSchema,
    byAgeBracket: countsSchema,
    bySeparationStatus: countsSchema,
  }),
  detention: z.object({
    childrenInDetentionNow: suppressedCountSchema,
    totalDetentionDays: z.number().int().nullable().describe('null when fewer than 5 children were ever detained'),
  }),
  medians: z.object({
    hoursToProcuraduriaNotification: medianSchema,
    daysToGuardianAppointment: medianSchema,
    daysToLegalRepresentation: medianSchema,
    daysToDecidedDetermination: medianSchema,
  }),
})

export type Statistics = z.infer<typeof statisticsSchema>
