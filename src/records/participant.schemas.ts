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
  code: z
    .enum(LEGAL_BASIS_CODES)
    .describe('the legal ground (migration_law_handover, protection_measure, court_order, emergency_protection)'),
  citation: z.string().trim().min(1).max(2000).optional().describe('free text (the article, the order): section legal'),
})

/** A legal basis as it is read: the citation only for readers of section legal. */
export const legalBasisViewSchema = z
  .object({
    code: z.enum(LEGAL_BASIS_CODES).describe('the legal ground'),
    citation: z.string().nullable().optional().describe('the article or order cited (section legal)'),
  })
  .nullable()

/**
 * A share rests on a recorded consent of this case or, for a protection officer, on the
 * Procuraduría's legal authority stated as a legal basis: one or the other, never both.
 */
export const shareCaseSchema = z
  .strictObject({
    organizationId: z.uuid().describe('the organisation to share the case with'),
    consentId: z.uuid().optional().describe('a consent of this case whose scopes include share_with_organizations'),
    legalBasis: legalBasisSchema.optional().describe('the legal ground a protection officer shares on, instead of a consent'),
  })
  .refine((share) => share.consentId === undefined || share.legalBasis === undefined, 'Give consentId or legalBasis, not both')
export type ShareCaseInput = z.infer<typeof shareCaseSchema>

export const PARTICIPATION_BASES = ['lead', 'consent', 'legal_basis'] as const
export type ParticipationBasis = (typeof PARTICIPATION_BASES)[number]

/** One participation, from its grant to its end; free text only for readers of its section. */
export const participantViewSchema = z.object({
  id: z.uuid().describe('the participation’s id (UUID v7)'),
  organizationId: z.uuid().describe('the participating organisation'),
  organizationName: z.string().describe('its name'),
  organizationKind: z.enum(ORGANIZATION_KINDS).describe('its kind'),
  basis: z.enum(PARTICIPATION_BASES).describe('lead: it leads the case; consent or legal_basis: what its participation rests on'),
  consentId: z.uuid().nullable().describe('the consent it rests on (basis consent), else null'),
  legalBasis: legalBasisViewSchema.describe(
    'the legal ground it rests on (basis legal_basis), else null; its citation only for readers of section legal',
  ),
  sections: z.array(z.string()).nullable().describe('null: every section; otherwise the sections a referral named'),
  grantedBy: z.uuid().describe('the user who granted it'),
  since: z.string().describe('when it began (UTC)'),
  endedAt: z.string().nullable().describe('when it ended (UTC); null while live'),
  endedBy: z.uuid().nullable().describe('the user who ended it; null while live or when a withdrawn consent ended it'),
  endReason: z.string().nullable().optional().describe('free text: section notes'),
})
export type ParticipantView = z.infer<typeof participantViewSchema>

export const participantListSchema = z.object({
  items: z.array(participantViewSchema).describe('participations, oldest grant first, ended ones too'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})
