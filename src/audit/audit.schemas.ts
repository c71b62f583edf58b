import { z } from 'zod'
import { isoDateTime } from '../http/dates.js'
import { cursorSchema } from '../http/cursor.js'

export const AUDIT_OUTCOMES = ['allowed', 'denied'] as const
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number]

const auditFilterShape = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)'),
  cursor: cursorSchema.optional(),
  actorId: z.uuid().optional().describe('only events of this user'),
  organizationId: z.uuid().optional().describe('only events of users of this organisation'),
  action: z
    .string()
    .regex(/^[a-z_.-]{1,80}$/)
    .optional()
    .describe('only events of this action (e.g. case.read, transfer.accept)'),
  outcome: z.enum(AUDIT_OUTCOMES).optional().describe('only allowed or only denied requests'),
  from: isoDateTime.optional().describe('only events at or after this time (inclusive)'),
  to: isoDateTime.optional().describe('only events before this time (exclusive)'),
}

export const auditEventQuerySchema = z.strictObject({
  ...auditFilterShape,
  caseId: z.uuid().optional().describe('only events about this case'),
})
export const accessLogQuerySchema = z.strictObject(auditFilterShape)

/** An audit event as the auditor reads it: names of fields and ids, never a value of case data. */
export const auditEventSchema = z.object({
  id: z.number().int().describe('the event’s id'),
  seq: z.number().int().nullable().describe('Position in the hash chain; null until sealed (within seconds)'),
  occurredAt: z.string().describe('when it happened (UTC)'),
  requestId: z.string().describe('the request it records: the server’s own id, as in its X-Request-Id response header'),
  clientRequestId: z
    .string()
    .nullable()
    .describe('the caller’s own X-Request-Id for that request, kept when it was 1 to 64 letters, digits or . _ : -; null otherwise'),
  actorId: z.string().nullable().describe('the user who acted; null for an unknown token'),
  actorRole: z.string().nullable().describe('that user’s role then'),
  actorOrganizationId: z.string().nullable().describe('that user’s organisation then'),
  action: z.string().describe('what was done, as the route’s contract names it (e.g. case.read)'),
  caseIds: z.array(z.string()).describe('the cases it touched'),
  fields: z.array(z.string()).describe('section.field names the answer disclosed (or a refusal named)'),
  changedFields: z.array(z.string()).describe('section.field names a change changed; empty for reads and refusals'),
  outcome: z.enum(AUDIT_OUTCOMES).describe('allowed or denied'),
  reason: z.string().nullable().describe('why it was denied (a stable code); null when allowed'),
  targetOrganizationId: z.string().nullable().describe('the organisation a share, transfer or administrative act was about'),
  targetUserId: z.string().nullable().describe('The user an administrative act was about'),
  count: z.number().int().describe('How many attempts the event stands for: refused tokens from one address are one event per window'),
  policyVersion: z.string().describe('the version of the access policy that decided'),
})

export const auditEventListSchema = z.object({
  items: z.array(auditEventSchema).describe('events, newest first'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/)

export const verifyQuerySchema = z
  .strictObject({
    checkpointSeq: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .describe('A checkpoint kept outside the service (GET /audit-events/checkpoint): its sequence number; give checkpointHash with it'),
    checkpointHash: sha256Hex.optional().describe('The hash kept for checkpointSeq'),
    fromSeq: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Verify only from this kept checkpoint on (incremental); give fromHash with it'),
    fromHash: sha256Hex.optional().describe('The hash kept for fromSeq'),
  })
  .refine((query) => (query.checkpointSeq === undefined) === (query.checkpointHash === undefined), {
    message: 'give checkpointSeq and checkpointHash together',
  })
  .refine((query) => (query.fromSeq === undefined) === (query.fromHash === undefined), {
    message: 'give fromSeq and fromHash together',
  })
  .refine((query) => query.fromSeq === undefined || query.checkpointSeq === undefined, {
    message: 'give either a checkpoint to verify the whole chain against, or fromSeq and fromHash to verify from it on',
  })

export const verifyResultSchema = z.union([
  z.object({
    intact: z.literal(true).describe('true: every sealed event is where the chain says'),
    verifiedThrough: z.number().int().describe('the last sequence number verified'),
    headHash: z.string().nullable().describe('the chain’s hash there; keep it with verifiedThrough to verify from it later'),
  }),
  z.object({
    intact: z.literal(false).describe('false: the chain is broken'),
    brokenAt: z.number().int().describe('the first sequence number where it breaks'),
    reason: z
      .enum(['missing-link', 'event-missing', 'previous-hash-mismatch', 'hash-mismatch', 'checkpoint-mismatch'])
      .describe('how it breaks'),
  }),
])

export const checkpointSchema = z.object({
  seq: z.number().int().describe('0 while nothing is sealed'),
  hash: z.string().nullable().describe('the chain’s hash at seq; keep it to verify against later'),
  sealedAt: z.string().nullable().describe('when seq was sealed (UTC)'),
})
