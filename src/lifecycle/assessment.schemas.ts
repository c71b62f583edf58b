import { z } from 'zod'
import { isoDateTime } from '../http/dates.js'

/** The factors a best-interests assessment weighs (UNHCR; CRC General Comment 14). */
export const ASSESSMENT_FACTORS = ['childViews', 'family', 'safety', 'health', 'education', 'identity', 'development'] as const
export const ASSESSMENT_STATUSES = ['draft', 'completed'] as const
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number]

/** What each factor weighs, as the API reference describes it. */
export const ASSESSMENT_FACTOR_DESCRIPTIONS: Readonly<Record<(typeof ASSESSMENT_FACTORS)[number], string>> = {
  childViews: 'the child’s views and wishes, heard in the child’s language',
  family: 'the family: who and where they are, and the child’s bonds with them',
  safety: 'the child’s safety where the child is and where the child might go',
  health: 'the child’s physical and mental health and its care',
  education: 'the child’s schooling and what it needs',
  identity: 'the child’s identity: culture, language, religion, indigenous people',
  development: 'the child’s development and what the child needs to grow',
}

const finding = z.string().trim().min(1).max(8000)
const findingsSchema = z.strictObject(
  Object.fromEntries(
    ASSESSMENT_FACTORS.map((factor) => [factor, finding.optional().describe(ASSESSMENT_FACTOR_DESCRIPTIONS[factor])]),
  ) as Record<(typeof ASSESSMENT_FACTORS)[number], z.ZodOptional<typeof finding>>,
)

export const newAssessmentSchema = z.strictObject({
  findings: findingsSchema
    .default({})
    .describe(
      'what the assessor found, by factor (childViews, family, safety, health, education, identity, development); section bidDeliberation',
    ),
  recommendation: z.string().trim().min(1).max(8000).optional().describe('the assessor’s recommendation; section bidDeliberation'),
  completedAt: isoDateTime.optional().describe('given: the assessment is recorded as completed'),
})
export type NewAssessmentInput = z.infer<typeof newAssessmentSchema>

export const assessmentPatchSchema = z.strictObject({
  findings: findingsSchema.optional().describe('factors given replace stored ones'),
  recommendation: z.string().trim().min(1).max(8000).optional().describe('the assessor’s recommendation; section bidDeliberation'),
  completedAt: isoDateTime.optional().describe('completes the assessment; a completed assessment no longer changes'),
})
export type AssessmentPatchInput = z.infer<typeof assessmentPatchSchema>

export const assessmentViewSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  caseId: z.uuid().describe('the case it belongs to'),
  assessorId: z.uuid().describe('the user who assesses'),
  authorOrganizationId: z.uuid().describe('the assessor’s organisation: only it may change the assessment'),
  status: z.enum(ASSESSMENT_STATUSES).describe('draft until completed; a completed assessment no longer changes'),
  findings: z.record(z.string(), z.string()).describe('what the assessor found, by factor (section bidDeliberation)'),
  recommendation: z.string().nullable().describe('the recommendation (section bidDeliberation)'),
  completedAt: z.string().nullable().describe('when it was completed (UTC); null while a draft'),
  createdAt: z.string().describe('when it was recorded (UTC)'),
  updatedAt: z.string().describe('when it last changed (UTC)'),
  version: z.number().int().describe('its version; its ETag is this number in quotes, to send back as If-Match'),
})
export const assessmentListSchema = z.object({ items: z.array(assessmentViewSchema).describe('assessments, oldest first') })
export const assessmentParamsSchema = z.strictObject({
  id: z.uuid().describe('the case’s id'),
  aid: z.uuid().describe('the assessment’s id'),
})
