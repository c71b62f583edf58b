import { z } from 'zod'
import { ORGANIZATION_KINDS } from '../auth/principal.js'

/**
 * The legal grounds on which an organisation takes part in a case without the child's consent
 * (PRODUCT.md, "Names and shapes of the newer resources").
 */
export const LEGAL_BASIS_CODES = [
  'migration_law_handover', // Ley de Migración art. 112: INM puts the child at the Procuraduría's disposal
  'protection_measure', // LGDNNA art. 122: a protection measure of the Procuraduría
  'court_order',
  'emergency_protection',
] as const
export type LegalBasisCode = (typeof LEGAL_BASIS_CODES)[number]

export const legalBasisSchema = z.strictObject({
  code: z.enum(LEGAL_BASIS_CODES),
  citation: z.string().trim().min(1).max(2000).optional().describe('free text (the article, the order): section legal'),
})

/**
 * A share rests on a recorded consent of this case or, for a protection officer, on the
 * Procuraduría's legal authority stated as a legal basis: one or the other, never both.
 */
export const shareCaseSchema = z
  .strictObject({
    organizationId: z.uuid(),
    consentId: z.uuid().optional(),
    legalBasis: legalBasisSchema.optional(),
  })
  .refine((share) => share.consentId === undefined || share.legalBasis === undefined, 'Give consentId or legalBasis, not both')
export type ShareCaseInput = z.infer<typeof shareCaseSchema>

export const PARTICIPATION_BASES = ['lead', 'consent', 'legal_basis'] as const
export type ParticipationBasis = (typeof PARTICIPATION_BASES)[number]

/** One participation, from its grant to its end; free text only for readers of its section. */
export const participantViewSchema = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  organizationName: z.string(),
  organizationKind: z.enum(ORGANIZATION_KINDS),
  basis: z.enum(PARTICIPATION_BASES),
  consentId: z.uuid().nullable(),
  legalBasis: z.object({ code: z.enum(LEGAL_BASIS_CODES), citation: z.string().nullable().optional() }).nullable(),
  sections: z.array(z.string()).nullable().describe('null: every section; otherwise the sections a referral named'),
  grantedBy: z.uuid(),
  since: z.string(),
  endedAt: z.string().nullable(),
  endedBy: z.uuid().nullable(),
  endReason: z.string().nullable().optional().describe('free text: section notes'),
})
export type ParticipantView = z.infer<typeof participantViewSchema>

export const participantListSchema = z.object({ items: z.array(participantViewSchema), nextCursor: z.string().nullable() })
