import { z } from 'zod'
import { isoDateTime } from '../http/dates.js'
import { CASE_VIEW_SECTIONS } from '../cases/case-sections.js'

export const CONSENT_GIVERS = ['child_assent', 'guardian_consent', 'child_and_guardian'] as const
export type ConsentGiver = (typeof CONSENT_GIVERS)[number]
export const CONSENT_SCOPES = ['share_with_organizations', 'tracing', 'services', 'medical', 'legal_representation'] as const
export type ConsentScope = (typeof CONSENT_SCOPES)[number]
/** The scope a consent must carry for a case to be shared on it. */
export const SHARING_SCOPE = 'share_with_organizations'
/** What a consent may withhold: any section of the case file or of its sub-resources. */
export const WITHHOLDABLE_SECTIONS = [...CASE_VIEW_SECTIONS, 'bidDeliberation', 'notes'] as const

const withheldSchema = z.strictObject({
  section: z.enum(WITHHOLDABLE_SECTIONS).describe('the section withheld'),
  /** absent: withheld from every participating organisation other than the lead (never from oversight) */
  fromOrganizationId: z
    .uuid()
    .optional()
    .describe('the organisation it is withheld from; absent: every participant but the lead (never oversight)'),
})

export const newConsentSchema = z.strictObject({
  givenBy: z.enum(CONSENT_GIVERS).describe('who gave it: the child’s assent, the guardian’s consent, or both'),
  scopes: z
    .array(z.enum(CONSENT_SCOPES))
    .min(1)
    .max(CONSENT_SCOPES.length)
    .refine((scopes) => new Set(scopes).size === scopes.length, 'Each scope at most once')
    .describe('what the consent allows; share_with_organizations lets the case be shared, referred and transferred on it'),
  withheld: z
    .array(withheldSchema)
    .max(30)
    .default([])
    .describe('sections the child or guardian withholds, from one organisation or from every participant but the lead'),
  /** when the child or guardian gave it; now when absent */
  givenAt: isoDateTime.optional().describe('when the child or guardian gave it; now when absent'),
  notes: z.string().trim().min(1).max(2000).optional().describe('free text: section notes'),
})
export type NewConsentInput = z.infer<typeof newConsentSchema>

/** A consent changes only by being withdrawn. */
export const consentWithdrawalSchema = z.strictObject({
  withdrawnAt: isoDateTime.describe('when it was withdrawn; participations and pending transfers resting on it alone end with it'),
})
export type ConsentWithdrawalInput = z.infer<typeof consentWithdrawalSchema>

export const consentViewSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  caseId: z.uuid().describe('the case it belongs to'),
  givenBy: z.enum(CONSENT_GIVERS).describe('who gave it'),
  scopes: z.array(z.enum(CONSENT_SCOPES)).describe('what it allows'),
  withheld: z
    .array(
      z.object({
        section: z.string().describe('the section withheld'),
        fromOrganizationId: z.uuid().optional().describe('the organisation it is withheld from; absent: every participant but the lead'),
      }),
    )
    .describe('the sections it withholds, and from whom (absent: from every participant but the lead)'),
  givenAt: z.string().describe('when it was given (UTC)'),
  withdrawnAt: z.string().nullable().describe('when it was withdrawn (UTC); null while in force'),
  notes: z.string().nullable().optional().describe('free text: section notes'),
  recordedBy: z.uuid().describe('the user who recorded it'),
  recordedByOrganizationId: z.uuid().describe('that user’s organisation'),
  createdAt: z.string().describe('when it was recorded (UTC)'),
  version: z.number().int().describe('its version; its ETag is this number in quotes, to send back as If-Match'),
})
export type ConsentView = z.infer<typeof consentViewSchema>

export const consentListSchema = z.object({
  items: z.array(consentViewSchema).describe('consents, oldest first'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

export const consentParamsSchema = z.strictObject({
  id: z.uuid().describe('the case’s id'),
  consentId: z.uuid().describe('the consent’s id'),
})
