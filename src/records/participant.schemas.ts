import { z } from 'zod'
import { ORGANIZATION_KINDS } from '../auth/principal.js'

export const MIN_LEGAL_BASIS_LENGTH = 10

/**
 * A share rests on a recorded consent of this case or, for a protection officer, on the
 * Procuraduría's legal authority stated as a legal basis: one or the other, never both.
 */
export const shareCaseSchema = z
  .strictObject({
    organizationId: z.uuid(),
    consentId: z.uuid().optional(),
    legalBasis: z.string().trim().min(MIN_LEGAL_BASIS_LENGTH).max(2000).optional(),
  })
  .refine((share) => share.consentId === undefined || share.legalBasis === undefined, 'Give consentId or legalBasis, not both')
export type ShareCaseInput = z.infer<typeof shareCaseSchema>

export const participantViewSchema = z.object({
  organizationId: z.uuid(),
  organizationName: z.string(),
  organizationKind: z.enum(ORGANIZATION_KINDS),
  participation: z.enum(['lead', 'participant']),
  consentId: z.uuid().nullable(),
  legalBasis: z.string().nullable(),
  addedBy: z.uuid(),
  addedAt: z.string(),
})
export type ParticipantView = z.infer<typeof participantViewSchema>

export const participantListSchema = z.object({ items: z.array(participantViewSchema), nextCursor: z.string().nullable() })
