import { z } from 'zod'
import { isoDate as boundedDate } from '../http/dates.js'
import { LEGAL_BASIS_CODES, legalBasisSchema } from './participant.schemas.js'
import { WITHHOLDABLE_SECTIONS } from './consent.schemas.js'

/** The services a case is referred for (PRODUCT.md, "Names and shapes of the newer resources"). */
export const REFERRAL_SERVICES = [
  'legal_representation',
  'psychosocial',
  'shelter',
  'health',
  'education',
  'family_tracing',
  'interpretation',
] as const
export type ReferralService = (typeof REFERRAL_SERVICES)[number]

export const REFERRAL_STATUSES = ['pending', 'accepted', 'declined', 'completed', 'ended'] as const
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number]

export const REFERRAL_OUTCOMES = ['provided', 'partially_provided', 'not_provided'] as const
export type ReferralOutcome = (typeof REFERRAL_OUTCOMES)[number]

/** Why a referral ended without being declined or completed: codes, never prose. */
export const REFERRAL_END_REASONS = ['consent_withdrawn', 'participation_ended'] as const
export type ReferralEndReason = (typeof REFERRAL_END_REASONS)[number]

/**
 * The sections a referral may name: every section of the case file and of its records. The case's
 * own fields (`case`) come with any participation and are never named.
 */
export const REFERABLE_SECTIONS: readonly string[] = [...WITHHOLDABLE_SECTIONS, 'consent']

const isoDate = boundedDate.describe('a date, YYYY-MM-DD')

/**
 * A referral rests on a consent of this case whose scopes include sharing, or (a protection officer)
 * on a legal basis: one or the other, never both. Sections are checked by the service (422), so a
 * wrong name is a refusal that says which, not a schema error.
 */
export const newReferralSchema = z
  .strictObject({
    toOrganizationId: z.uuid(),
    service: z.enum(REFERRAL_SERVICES),
    sections: z
      .array(z.string().max(40))
      .max(20)
      .describe(`the sections the receiver needs, from: ${REFERABLE_SECTIONS.join(', ')}`),
    consentId: z.uuid().optional(),
    legalBasis: legalBasisSchema.optional(),
    respondBy: isoDate.describe('the date by which the receiver should accept or decline; not in the past'),
  })
  .refine((referral) => referral.consentId === undefined || referral.legalBasis === undefined, 'Give consentId or legalBasis, not both')
export type NewReferralInput = z.infer<typeof newReferralSchema>

/** A decline needs a reason (422 when it is missing): free text, section notes. */
export const referralDeclineSchema = z.strictObject({
  reason: z.string().max(2000).optional().describe('why the organisation cannot take the referral; free text: section notes'),
})
export type ReferralDeclineInput = z.infer<typeof referralDeclineSchema>

export const referralCompletionSchema = z.strictObject({
  outcome: z.enum(REFERRAL_OUTCOMES),
  notes: z.string().trim().min(1).max(4000).optional().describe('free text: section notes'),
})
export type ReferralCompletionInput = z.infer<typeof referralCompletionSchema>

/**
 * A referral. The stub (what the receiver sees before it accepts, and every inbox) carries only the
 * case's number and pseudonym, the service, the sections, who asks and the dates; the other fields
 * appear to readers of the case, each only where the access rule lets its section through.
 */
export const referralViewSchema = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    caseNumber: z.string().optional(),
    childRef: z.string().optional(),
    fromOrganizationId: z.uuid(),
    fromOrganizationName: z.string(),
    toOrganizationId: z.uuid(),
    toOrganizationName: z.string(),
    service: z.enum(REFERRAL_SERVICES),
    sections: z.array(z.string()),
    respondBy: z.string(),
    status: z.enum(REFERRAL_STATUSES),
    requestedAt: z.string(),
    decidedAt: z.string().nullable(),
    outcome: z.enum(REFERRAL_OUTCOMES).nullable(),
    completedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    endReason: z.enum(REFERRAL_END_REASONS).nullable(),
    requestedBy: z.uuid().optional(),
    consentId: z.uuid().nullable().optional(),
    legalBasis: z
      .object({ code: z.enum(LEGAL_BASIS_CODES), citation: z.string().nullable().optional() })
      .nullable()
      .optional(),
    decidedBy: z.uuid().nullable().optional(),
    declineReason: z.string().nullable().optional().describe('free text: section notes'),
    completionNotes: z.string().nullable().optional().describe('free text: section notes'),
    completedBy: z.uuid().nullable().optional(),
    participationId: z.uuid().nullable().optional(),
  })
  .describe('A referral: the stub fields for its receiver until it accepts, the rest for readers of the case')
export type ReferralView = z.infer<typeof referralViewSchema>

export const referralListSchema = z.object({ items: z.array(referralViewSchema), nextCursor: z.string().nullable() })

export const referralParamsSchema = z.strictObject({ rid: z.uuid() })
export const caseReferralParamsSchema = z.strictObject({ id: z.uuid(), rid: z.uuid() })

export const referralInboxQuerySchema = z.strictObject({
  direction: z.enum(['incoming', 'outgoing']).default('incoming'),
  status: z.enum(REFERRAL_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
})
