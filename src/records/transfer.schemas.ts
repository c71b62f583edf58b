import { z } from 'zod'
import { pageQuerySchema } from '../http/pagination.js'
import { legalBasisSchema, legalBasisViewSchema } from './participant.schemas.js'

export const TRANSFER_KINDS = ['handover', 'responsibility'] as const
export const TRANSFER_STATUSES = ['pending', 'accepted', 'declined'] as const
export type TransferKind = (typeof TRANSFER_KINDS)[number]
export type TransferStatus = (typeof TRANSFER_STATUSES)[number]

/**
 * A transfer rests on a consent of this case or a legal basis, like a share. A migration officer's
 * hand-over rests on the law itself (Migration Law art. 112): it needs neither.
 */
export const newTransferSchema = z
  .strictObject({
    toOrganizationId: z.uuid().describe('the organisation that is to lead the case'),
    consentId: z.uuid().optional().describe('a consent of this case whose scopes include share_with_organizations'),
    legalBasis: legalBasisSchema.optional().describe('the legal ground a protection officer transfers on, instead of a consent'),
  })
  .refine((transfer) => transfer.consentId === undefined || transfer.legalBasis === undefined, 'Give consentId or legalBasis, not both')
export type NewTransferInput = z.infer<typeof newTransferSchema>

/** A reason is required; its absence is a 422 (well-formed but wrong), not a 400. */
export const transferDeclineSchema = z.strictObject({
  reason: z.string().trim().max(2000).optional().describe('required; free text: section notes'),
})
export type TransferDeclineInput = z.infer<typeof transferDeclineSchema>

/** One transfer; free text only for readers of its section. */
export const transferViewSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  caseId: z.uuid().describe('the case it belongs to'),
  kind: z
    .enum(TRANSFER_KINDS)
    .describe(
      'handover: the migration authority puts the child at the Procuraduría’s disposal; responsibility: another transfer of the lead',
    ),
  fromOrganizationId: z.uuid().describe('the lead organisation that asked'),
  toOrganizationId: z.uuid().describe('the organisation asked to lead'),
  consentId: z.uuid().nullable().describe('the consent it rests on, else null'),
  legalBasis: legalBasisViewSchema.describe('the legal ground it rests on, else null; its citation only for readers of section legal'),
  status: z.enum(TRANSFER_STATUSES).describe('pending until the receiver accepts or declines'),
  requestedBy: z.uuid().describe('the user who asked'),
  requestedAt: z.string().describe('when it was asked (UTC)'),
  decidedBy: z.uuid().nullable().describe('the user who accepted or declined; null while pending'),
  decidedAt: z.string().nullable().describe('when it was decided (UTC); null while pending'),
  declineReason: z.string().nullable().optional().describe('free text: section notes'),
})
export type TransferView = z.infer<typeof transferViewSchema>

export const transferListSchema = z.object({
  items: z.array(transferViewSchema).describe('transfers, in the order the route states'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

export const transferParamsSchema = z.strictObject({ tid: z.uuid().describe('the transfer’s id') })
export const caseTransferParamsSchema = z.strictObject({
  id: z.uuid().describe('the case’s id'),
  tid: z.uuid().describe('the transfer’s id'),
})

export const transferInboxQuerySchema = pageQuerySchema.extend({
  direction: z
    .enum(['incoming', 'outgoing'])
    .default('incoming')
    .describe('incoming: transfers to the caller’s organisation; outgoing: from it'),
  status: z.enum(TRANSFER_STATUSES).optional().describe('only transfers in this status'),
})
