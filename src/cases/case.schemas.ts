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
  ageBracket: z
    .enum([...AGE_BRACKETS, '18+'])
    .nullable()
    .describe('the child’s age bracket today, from the date of birth'),
  placementType: z.string().nullable().describe('the type of the current placement'),
  placementSince: z.string().nullable().describe('since when the child is in the current placement (UTC)'),
  responsibleOrganizationId: z.string().nullable().describe('the organisation responsible for the child in the current placement'),
  inDetention: z.boolean().describe('true: the child is held in a migration station now'),
  daysInDetention: z.number().int().describe('calendar days started in a migration station, over every stay'),
  guardianAppointed: z.boolean().describe('true: legal.guardian is recorded'),
  legallyRepresented: z.boolean().describe('true: legal.representation is recorded'),
  determinationId: z.string().nullable().describe('the decided best-interests determination in force'),
  outcome: z.string().nullable().describe('its outcome'),
  decidedAt: z.string().nullable().describe('when it was decided'),
  reviewDueAt: z.string().nullable().describe('when it is to be reviewed'),
}

function sectionView(section: (typeof CASE_VIEW_SECTIONS)[number]) {
  const writable = (WRITABLE_SECTION_FIELDS as Record<string, Record<string, z.ZodType>>)[section] ?? {}
  const derived = (DERIVED_SECTION_FIELDS as Record<string, readonly string[]>)[section] ?? []
  const shape: Record<string, z.ZodType> = {}
  for (const [name, schema] of Object.entries(writable)) shape[name] = schema.nullable().optional()
  for (const name of derived) shape[name] = derivedFieldSchemas[name]!.optional()
  return z.object(shape).optional().describe(`section ${section}: present only when the reader may read some of it`)
}

/** A case as some caller reads it: every field is optional because the policy decides which appear. */
export const caseViewSchema = z
  .object({
    id: z.uuid().optional().describe('the case’s id (UUID v7)'),
    caseNumber: z.string().optional().describe('the case’s human-readable number, by year'),
    childRef: z
      .string()
      .optional()
      .describe('the child’s pseudonym: the same child has the same childRef across cases; the only name oversight reads'),
    stage: z.enum(STAGES).optional().describe('where the case stands in its lifecycle (POST /cases/{id}/transitions moves it)'),
    status: z.enum(CASE_STATUSES).optional().describe('closed once the case reaches stage closed'),
    riskLevel: z.enum(RISK_LEVELS).optional().describe('how urgently the child needs protection'),
    leadOrganizationId: z.uuid().optional().describe('the organisation that leads the case'),
    openedAt: z.string().optional().describe('when the case was opened (UTC)'),
    closedAt: z.string().nullable().optional().describe('when it was closed (UTC); null while open'),
    closureReason: z.enum(CLOSURE_REASONS).nullable().optional().describe('why it was closed; null while open'),
    version: z
      .number()
      .int()
      .optional()
      .describe('the case’s version as the reader sees it; its ETag is this number in quotes, to send back as If-Match'),
    updatedAt: z.string().optional().describe('when the case last changed (UTC)'),
    assignedTo: z
      .uuid()
      .nullable()
      .optional()
      .describe('the user the reader’s organisation assigned the case to (PUT /cases/{id}/assignment), or null'),
    nextStages: z
      .array(
        z.object({
          to: z.enum(STAGES).describe('a stage the case may move to'),
          allowed: z.boolean().describe('true: the reader may move it there now'),
          unmet: z
            .array(
              z.object({
                code: z.string().describe('the condition’s code (GET /vocabulary, guardConditions)'),
                message: z.string().describe('the condition in words, in the answer’s language'),
                satisfiedBy: z.string().describe('the field or route that satisfies it'),
                roles: z.array(z.string()).describe('the roles that may satisfy it'),
              }),
            )
            .describe('the conditions still unmet'),
        }),
      )
      .optional()
      .describe('single read only: the next stage the reader may move the case to, and the conditions still unmet'),
    ...Object.fromEntries(CASE_VIEW_SECTIONS.map((section) => [section, sectionView(section)])),
  })
  .describe('A case file, with only the sections and fields the caller may read')

export const caseListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25).describe('page size (1-100)'),
  cursor: z.string().max(400).optional().describe('`nextCursor` of the previous page, as it was given'),
  ...caseSearchQueryShape,
})

/** The 201 of POST /cases: the case, and earlier cases the creator may read whose child looks the same. */
export const createdCaseSchema = caseViewSchema.extend({
  possibleDuplicates: z
    .array(
      z.object({
        id: z.uuid().describe('the earlier case'),
        caseNumber: z.string().describe('its number'),
        score: z.number().min(0).max(1).describe('how alike the children look, 0 to 1'),
      }),
    )
    .describe(
      'earlier cases the creator may read whose child looks the same (name, date of birth or age bracket, nationality), best first',
    ),
})

export const caseListSchema = z.object({
  items: z.array(caseViewSchema).describe('cases, in the order asked for'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

export const caseIdParamsSchema = z.strictObject({ id: z.uuid().describe('the case’s id') })
