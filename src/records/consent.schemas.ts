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
  section: z.enum(WITHHOLDABLE_SECTIONS),
  /** absent: withheld from every participating organisation other than the lead (never from oversight) */
  fromOrganizationId: z.uuid().optional(),
})

export const newConsentSchema = z.strictObject({
  givenBy: z.enum(CONSENT_GIVERS),
  scopes: z
    .array(z.enum(CONSENT_SCOPES))
    .min(1)
    .max(CONSENT_SCOPES.length)
    .refine((scopes) => new Set(scopes).size === scopes.length, 'Each scope at most once'),
  withheld: z.array(withheldSchema).max(30).default([]),
  /** when the child or guardian gave it; now when absent */
  givenAt: isoDateTime.optional(),
  notes: z.string().trim().min(1).max(2000).optional().describe('free text: section notes'),
})
export type NewConsentInput = z.infer<typeof newConsentSchema>

/** A consent changes only by being withdrawn. */
export const consentWithdrawalSchema = z.strictObject({ withdrawnAt: isoDateTime })
export type ConsentWithdrawalInput = z.infer<typeof consentWithdrawalSchema>

export const consentViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  givenBy: z.enum(CONSENT_GIVERS),
  scopes: z.array(z.enum(CONSENT_SCOPES)),
  withheld: z.array(z.object({ section: z.string(), fromOrganizationId: z.uuid().optional() })),
  givenAt: z.string(),
  withdrawnAt: z.string().nullable(),
  notes: z.string().nullable().optional(),
  recordedBy: z.uuid(),
  recordedByOrganizationId: z.uuid(),
  createdAt: z.string(),
  version: z.number().int(),
})
export type ConsentView = z.infer<typeof consentViewSchema>

export const consentListSchema = z.object({ items: z.array(consentViewSchema), nextCursor: z.string().nullable() })

export const consentParamsSchema = z.strictObject({ id: z.uuid(), consentId: z.uuid() })
