import { z } from 'zod'
import { isoDateTime } from '../http/dates.js'

/** The factors a best-interests assessment weighs (UNHCR; CRC General Comment 14). */
export const ASSESSMENT_FACTORS = ['childViews', 'family', 'safety', 'health', 'education', 'identity', 'development'] as const
export const ASSESSMENT_STATUSES = ['draft', 'completed'] as const
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number]

const finding = z.string().trim().min(1).max(8000)
const findingsSchema = z.strictObject(
  Object.fromEntries(ASSESSMENT_FACTORS.map((factor) => [factor, finding.optional()])) as Record<
    (typeof ASSESSMENT_FACTORS)[number],
    z.ZodOptional<typeof finding>
  >,
)

export const newAssessmentSchema = z.strictObject({
  findings: findingsSchema.default({}),
  recommendation: z.string().trim().min(1).max(8000).optional(),
  completedAt: isoDateTime.optional().describe('given: the assessment is recorded as completed'),
})
export type NewAssessmentInput = z.infer<typeof newAssessmentSchema>

export const assessmentPatchSchema = z.strictObject({
  findings: findingsSchema.optional().describe('factors given replace stored ones'),
  recommendation: z.string().trim().min(1).max(8000).optional(),
  completedAt: isoDateTime.optional().describe('completes the assessment; a completed assessment no longer changes'),
})
export type AssessmentPatchInput = z.infer<typeof assessmentPatchSchema>

export const assessmentViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  assessorId: z.uuid(),
  authorOrganizationId: z.uuid(),
  status: z.enum(ASSESSMENT_STATUSES),
  findings: z.record(z.string(), z.string()),
  recommendation: z.string().nullable(),
  completedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
})
export const assessmentListSchema = z.object({ items: z.array(assessmentViewSchema) })
export const assessmentParamsSchema = z.strictObject({ id: z.uuid(), aid: z.uuid() })
