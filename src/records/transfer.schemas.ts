import { z } from 'zod'
import { pageQuerySchema } from '../http/pagination.js'
import { LEGAL_BASIS_CODES, legalBasisSchema } from './participant.schemas.js'

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
    toOrganizationId: z.uuid(),
    consentId: z.uuid().optional(),
    legalBasis: legalBasisSchema.optional(),
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
  id: z.uuid(),
  caseId: z.uuid(),
  kind: z.enum(TRANSFER_KINDS),
  fromOrganizationId: z.uuid(),
  toOrganizationId: z.uuid(),
  consentId: z.uuid().nullable(),
  legalBasis: z.object({ code: z.enum(LEGAL_BASIS_CODES), citation: z.string().nullable().optional() }).nullable(),
  status: z.enum(TRANSFER_STATUSES),
  requestedBy: z.uuid(),
  requestedAt: z.string(),
  decidedBy: z.uuid().nullable(),
  decidedAt: z.string().nullable(),
  declineReason: z.string().nullable().optional().describe('free text: section notes'),
})
export type TransferView = z.infer<typeof transferViewSchema>

export const transferListSchema = z.object({ items: z.array(transferViewSchema), nextCursor: z.string().nullable() })

export const transferParamsSchema = z.strictObject({ tid: z.uuid() })
export const caseTransferParamsSchema = z.strictObject({ id: z.uuid(), tid: z.uuid() })

export const transferInboxQuerySchema = pageQuerySchema.extend({
  direction: z.enum(['incoming', 'outgoing']).default('incoming'),
  status: z.enum(TRANSFER_STATUSES).optional(),
})
