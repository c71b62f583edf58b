import { z } from 'zod'
import { caseSearchQueryShape } from './case-search.js'
import {
  AGE_BRACKETS,
  CASE_STATUSES,
  CASE_VIEW_SECTIONS,
  CLOSURE_REASONS,
  RISK_LEVELS,
  STAGES,
  WRITABLE_SECTION_FIELDS,
  DERIVED_SECTION_FIELDS,
} from './case-sections.js'

const derivedFieldSchemas: Record<string, z.ZodType> = {
  ageBracket: z.enum([...AGE_BRACKETS, '18+']).nullable(),
  placementType: z.string().nullable(),
  placementSince: z.string().nullable(),
  responsibleOrganizationId: z.string().nullable(),
  inDetention: z.boolean(),
  daysInDetention: z.number().int(),
  guardianAppointed: z.boolean(),
  legallyRepresented: z.boolean(),
  determinationId: z.string().nullable(),
  outcome: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reviewDueAt: z.string().nullable(),
}

function sectionView(section: (typeof CASE_VIEW_SECTIONS)[number]) {
  const writable = (WRITABLE_SECTION_FIELDS as Record<string, Record<string, z.ZodType>>)[section] ?? {}
  const derived = (DERIVED_SECTION_FIELDS as Record<string, readonly string[]>)[section] ?? []
  const shape: Record<string, z.ZodType> = {}
  for (const [name, schema] of Object.entries(writable)) shape[name] = schema.nullable().optional()
  for (const name of derived) shape[name] = derivedFieldSchemas[name]!.optional()
  return z.object(shape).optional()
}

/** A case as some caller reads it: every field is optional because the policy decides which appear. */
export const caseViewSchema = z
  .object({
    id: z.uuid().optional(),
    caseNumber: z.string().optional(),
    childRef: z.string().optional(),
    stage: z.enum(STAGES).optional(),
    status: z.enum(CASE_STATUSES).optional(),
    riskLevel: z.enum(RISK_LEVELS).optional(),
    leadOrganizationId: z.uuid().optional(),
    openedAt: z.string().optional(),
    closedAt: z.string().nullable().optional(),
    closureReason: z.enum(CLOSURE_REASONS).nullable().optional(),
    version: z.number().int().optional(),
    updatedAt: z.string().optional(),
    assignedTo: z
      .uuid()
      .nullable()
      .optional()
      .describe('the user the reader’s organisation assigned the case to (PUT /cases/{id}/assignment), or null'),
    nextStages: z
      .array(
        z.object({
          to: z.enum(STAGES),
          allowed: z.boolean(),
          unmet: z.array(z.object({ code: z.string(), message: z.string(), satisfiedBy: z.string(), roles: z.array(z.string()) })),
        }),
      )
      .optional()
      .describe('single read only: the next stage the reader may move the case to, and the conditions still unmet'),
    ...Object.fromEntries(CASE_VIEW_SECTIONS.map((section) => [section, sectionView(section)])),
  })
  .describe('A case file, with only the sections and fields the caller may read')

export const caseListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(400).optional(),
  ...caseSearchQueryShape,
})

/** The 201 of POST /cases: the case, and earlier cases the creator may read whose child looks the same. */
export const createdCaseSchema = caseViewSchema.extend({
  possibleDuplicates: z
    .array(z.object({ id: z.uuid(), caseNumber: z.string(), score: z.number().min(0).max(1) }))
    .describe(
      'earlier cases the creator may read whose child looks the same (name, date of birth or age bracket, nationality), best first',
    ),
})

export const caseListSchema = z.object({ items: z.array(caseViewSchema), nextCursor: z.string().nullable() })

export const caseIdParamsSchema = z.strictObject({ id: z.uuid() })
