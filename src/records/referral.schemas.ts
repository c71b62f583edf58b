import { z } from 'zod'
import { isoDate as boundedDate } from '../http/dates.js'
import { legalBasisSchema, legalBasisViewSchema } from './participant.schemas.js'
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
    toOrganizationId: z.uuid().describe('the organisation asked to provide the service'),
    service: z.enum(REFERRAL_SERVICES).describe('the service the child needs'),
    sections: z
      .array(z.string().max(40))
      .max(20)
      .describe(`the sections the receiver needs, from: ${REFERABLE_SECTIONS.join(', ')}`),
    consentId: z.uuid().optional().describe('a consent of this case whose scopes include share_with_organizations'),
    legalBasis: legalBasisSchema.optional().describe('the legal ground a protection officer refers on, instead of a consent'),
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
  outcome: z.enum(REFERRAL_OUTCOMES).describe('whether the service was provided'),
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
    id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
    caseId: z.uuid().describe('the case it belongs to'),
    caseNumber: z.string().optional().describe('the case’s human-readable number'),
    childRef: z.string().optional().describe('the child’s pseudonym: the same child has the same childRef across cases'),
    fromOrganizationId: z.uuid().describe('the organisation that refers'),
    fromOrganizationName: z.string().describe('its name'),
    toOrganizationId: z.uuid().describe('the organisation referred to'),
    toOrganizationName: z.string().describe('its name'),
    service: z.enum(REFERRAL_SERVICES).describe('the service asked for'),
    sections: z.array(z.string()).describe('the sections the receiver reads once it accepts'),
    respondBy: z.string().describe('the date by which the receiver should answer (YYYY-MM-DD)'),
    status: z.enum(REFERRAL_STATUSES).describe('pending until the receiver accepts or declines; completed or ended afterwards'),
    requestedAt: z.string().describe('when it was made (UTC)'),
    decidedAt: z.string().nullable().describe('when the receiver accepted or declined (UTC); null while pending'),
    outcome: z.enum(REFERRAL_OUTCOMES).nullable().describe('whether the service was provided; null until completed'),
    completedAt: z.string().nullable().describe('when it was completed (UTC); null until then'),
    endedAt: z.string().nullable().describe('when it ended without completion (UTC); null otherwise'),
    endReason: z.enum(REFERRAL_END_REASONS).nullable().describe('why it ended without completion'),
    requestedBy: z.uuid().optional().describe('the user who made it'),
    consentId: z.uuid().nullable().optional().describe('the consent it rests on, else null'),
    legalBasis: legalBasisViewSchema
      .optional()
      .describe('the legal ground it rests on, else null; its citation only for readers of section legal'),
    decidedBy: z.uuid().nullable().optional().describe('the user who accepted or declined it'),
    declineReason: z.string().nullable().optional().describe('free text: section notes'),
    completionNotes: z.string().nullable().optional().describe('free text: section notes'),
    completedBy: z.uuid().nullable().optional().describe('the user who completed it'),
    participationId: z.uuid().nullable().optional().describe('the participation its acceptance granted'),
  })
  .describe('A referral: the stub fields for its receiver until it accepts, the rest for readers of the case')
export type ReferralView = z.infer<typeof referralViewSchema>

export const referralListSchema = z.object({
  items: z.array(referralViewSchema).describe('referrals, in the order the route states'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

export const referralParamsSchema = z.strictObject({ rid: z.uuid().describe('the referral’s id') })
export const caseReferralParamsSchema = z.strictObject({
  id: z.uuid().describe('the case’s id'),
  rid: z.uuid().describe('the referral’s id'),
})

export const referralInboxQuerySchema = z.strictObject({
  direction: z
    .enum(['incoming', 'outgoing'])
    .default('incoming')
    .describe('incoming: referrals to the caller’s organisation; outgoing: from it'),
  status: z.enum(REFERRAL_STATUSES).optional().describe('only referrals in this status'),
  limit: z.coerce.number().int().min(1).max(100).default(25).describe('page size (1-100)'),
  cursor: z.string().max(200).optional().describe('nextCursor of the page before'),
})
