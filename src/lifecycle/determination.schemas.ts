import { z } from 'zod'
import { isoDate, isoDateOrDateTime } from '../http/dates.js'
import { ASSESSMENT_FACTORS } from './assessment.schemas.js'
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

const text = (max: number) => z.string().trim().min(1).max(max)
const dateOrDateTime = isoDateOrDateTime

const panelMemberSchema = z.strictObject({
  name: text(200),
  role: text(120),
  organizationId: z.uuid().nullish(),
  undertakingSignedAt: pastDate
    .nullish()
    .describe('the date the member signed the confidentiality undertaking: not in the future, not after the decision'),
})
const factorsSchema = z.strictObject(
  Object.fromEntries(ASSESSMENT_FACTORS.map((factor) => [factor, text(8000).optional()])) as Record<
    (typeof ASSESSMENT_FACTORS)[number],
    z.ZodOptional<z.ZodString>
  >,
)
const optionSchema = z.strictObject({ option: z.enum(DETERMINATION_OUTCOMES), assessment: text(4000).nullish() })

const deliberation = {
  trigger: z.enum(DETERMINATION_TRIGGERS),
  panel: z.array(panelMemberSchema).max(20),
  childViews: text(8000),
  factors: factorsSchema,
  optionsConsidered: z.array(optionSchema).max(12),
  rationale: text(8000),
  dissent: text(8000),
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
  outcome: z.enum(DETERMINATION_OUTCOMES),
  decidedAt: dateOrDateTime,
  reviewDueAt: isoDate,
})
export type DecisionInput = z.infer<typeof decisionSchema>

/** A determination as some caller reads it: the deliberation only for readers of bidDeliberation. */
export const determinationViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  status: z.enum(DETERMINATION_STATUSES).optional(),
  supersedesId: z.uuid().nullable().optional(),
  outcome: z.enum(DETERMINATION_OUTCOMES).nullable().optional(),
  decidedAt: z.string().nullable().optional(),
  reviewDueAt: z.string().nullable().optional(),
  trigger: z.enum(DETERMINATION_TRIGGERS).optional(),
  panel: z.array(z.record(z.string(), z.unknown())).optional(),
  childViews: z.string().nullable().optional(),
  factors: z.record(z.string(), z.string()).optional(),
  optionsConsidered: z.array(z.record(z.string(), z.unknown())).optional(),
  rationale: z.string().nullable().optional(),
  dissent: z.string().nullable().optional(),
  createdBy: z.uuid().optional(),
  createdAt: z.string(),
  version: z.number().int(),
})
export const determinationListSchema = z.object({ items: z.array(determinationViewSchema) })
export const determinationParamsSchema = z.strictObject({ id: z.uuid(), did: z.uuid() })

/** Stable codes of what a decision may lack. */
export const DECISION_GUARD_CODES = [
  'panel_undertakings_missing',
  'panel_member_repeated',
  'child_views_not_recorded',
  'no_rationale',
] as const
export type DecisionGuardCode = (typeof DECISION_GUARD_CODES)[number]
export const MIN_PANEL_WITH_UNDERTAKINGS = 2
