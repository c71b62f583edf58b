import { z } from 'zod'
import { isoDate, isoDateOrDateTime } from '../http/dates.js'
import { nameText, text } from '../http/text.js'
import { ASSESSMENT_FACTORS, ASSESSMENT_FACTOR_DESCRIPTIONS } from './assessment.schemas.js'
import { pastDate } from '../cases/date-rules.js'

export const DETERMINATION_OUTCOMES = [
  'family_reunification',
  'assisted_return',
  'local_integration',
  'resettlement',
  'maintain_arrangement',
  'change_arrangement',
] as const
export type DeterminationOutcome = (typeof DETERMINATION_OUTCOMES)[number]
/** Why a panel sits (DOMAIN.md: a BID is required before these decisions, and at each review). */
export const DETERMINATION_TRIGGERS = [
  'durable_solution',
  'separation_from_parents',
  'return',
  'change_of_arrangement',
  'review',
  'other',
] as const
export type DeterminationTrigger = (typeof DETERMINATION_TRIGGERS)[number]
export const DETERMINATION_STATUSES = ['draft', 'decided', 'superseded'] as const
export type DeterminationStatus = (typeof DETERMINATION_STATUSES)[number]

const dateOrDateTime = isoDateOrDateTime

const panelMemberSchema = z.strictObject({
  name: nameText(200).describe('the member’s name'),
  role: text(120).describe('the member’s role on the panel (e.g. psychologist, attorney)'),
  organizationId: z.uuid().nullish().describe('the member’s organisation, when it has one here'),
  undertakingSignedAt: pastDate
    .nullish()
    .describe('the date the member signed the confidentiality undertaking: not in the future, not after the decision'),
})
const factorsSchema = z.strictObject(
  Object.fromEntries(
    ASSESSMENT_FACTORS.map((factor) => [factor, text(8000).optional().describe(ASSESSMENT_FACTOR_DESCRIPTIONS[factor])]),
  ) as Record<(typeof ASSESSMENT_FACTORS)[number], z.ZodOptional<z.ZodString>>,
)
const optionSchema = z.strictObject({
  option: z.enum(DETERMINATION_OUTCOMES).describe('a solution the panel weighed'),
  assessment: text(4000).nullish().describe('how the panel weighed it'),
})

const deliberation = {
  trigger: z.enum(DETERMINATION_TRIGGERS).describe('why the panel sits'),
  panel: z.array(panelMemberSchema).max(20).describe('the panel’s members'),
  childViews: text(8000).describe('what the child said, in the child’s words where possible'),
  factors: factorsSchema.describe('the panel’s findings by factor (childViews, family, safety, health, education, identity, development)'),
  optionsConsidered: z.array(optionSchema).max(12).describe('the solutions the panel weighed'),
  rationale: text(8000).describe('why the panel decides as it does'),
  dissent: text(8000).describe('a member’s dissent, if any'),
}

export const newDeterminationSchema = z.strictObject({
  trigger: deliberation.trigger,
  supersedesId: z.uuid().optional().describe('a decided determination of the same case that this one reviews'),
  panel: deliberation.panel.optional(),
  childViews: deliberation.childViews.optional(),
  factors: deliberation.factors.optional(),
  optionsConsidered: deliberation.optionsConsidered.optional(),
  rationale: deliberation.rationale.optional(),
  dissent: deliberation.dissent.optional(),
})
export type NewDeterminationInput = z.infer<typeof newDeterminationSchema>

/** A draft's deliberation; fields given replace stored ones (what it supersedes is fixed at creation). */
export const determinationPatchSchema = newDeterminationSchema.omit({ supersedesId: true }).partial()
export type DeterminationPatchInput = z.infer<typeof determinationPatchSchema>

export const decisionSchema = z.strictObject({
  outcome: z.enum(DETERMINATION_OUTCOMES).describe('the solution decided'),
  decidedAt: dateOrDateTime.describe('when the panel decided (a date or a time)'),
  reviewDueAt: isoDate.describe('when the decision is to be reviewed (YYYY-MM-DD)'),
})
export type DecisionInput = z.infer<typeof decisionSchema>

/** A determination as some caller reads it: the deliberation only for readers of bidDeliberation. */
export const determinationViewSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  caseId: z.uuid().describe('the case it belongs to'),
  status: z.enum(DETERMINATION_STATUSES).optional().describe('draft until decided; superseded once a review decides again'),
  supersedesId: z.uuid().nullable().optional().describe('the decided determination this one reviews'),
  outcome: z.enum(DETERMINATION_OUTCOMES).nullable().optional().describe('the solution decided; null while a draft'),
  decidedAt: z.string().nullable().optional().describe('when it was decided; null while a draft'),
  reviewDueAt: z.string().nullable().optional().describe('when it is to be reviewed; null while a draft'),
  trigger: z.enum(DETERMINATION_TRIGGERS).optional().describe('why the panel sits'),
  panel: z.array(z.record(z.string(), z.unknown())).optional().describe('the panel’s members (section bidDeliberation)'),
  childViews: z.string().nullable().optional().describe('what the child said (section bidDeliberation)'),
  factors: z.record(z.string(), z.string()).optional().describe('the findings by factor (section bidDeliberation)'),
  optionsConsidered: z.array(z.record(z.string(), z.unknown())).optional().describe('the solutions weighed (section bidDeliberation)'),
  rationale: z.string().nullable().optional().describe('why the panel decided so (section bidDeliberation)'),
  dissent: z.string().nullable().optional().describe('a dissent (section bidDeliberation)'),
  createdBy: z.uuid().optional().describe('the user who opened it'),
  createdAt: z.string().describe('when it was recorded (UTC)'),
  version: z.number().int().describe('its version; its ETag is this number in quotes, to send back as If-Match'),
})
export const determinationListSchema = z.object({ items: z.array(determinationViewSchema).describe('determinations, oldest first') })
export const determinationParamsSchema = z.strictObject({
  id: z.uuid().describe('the case’s id'),
  did: z.uuid().describe('the determination’s id'),
})

/** Stable codes of what a decision may lack. */
export const DECISION_GUARD_CODES = [
  'panel_undertakings_missing',
  'panel_member_repeated',
  'child_views_not_recorded',
  'no_rationale',
] as const
export type DecisionGuardCode = (typeof DECISION_GUARD_CODES)[number]
export const MIN_PANEL_WITH_UNDERTAKINGS = 2
