import { z } from 'zod'
import { cursorSchema } from '../http/cursor.js'
import { ALERT_RULE_NAMES, ALERT_SEVERITIES } from './alert-rules.js'

export const alertQuerySchema = z.strictObject({
  severity: z.enum(ALERT_SEVERITIES).optional().describe('only alerts this urgent'),
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('page size (1-100)'),
  cursor: cursorSchema.optional(),
})

export const alertSchema = z.object({
  caseId: z.uuid().describe('the case it belongs to'),
  caseNumber: z.string().describe('the case’s human-readable number'),
  rule: z.enum(ALERT_RULE_NAMES as [string, ...string[]]).describe('the rule that raised it (GET /vocabulary)'),
  severity: z.enum(ALERT_SEVERITIES).describe('how urgent it is'),
  since: z.string().describe('when the alert became due'),
})

export const alertListSchema = z.object({
  items: z.array(alertSchema).describe('alerts, the most severe and oldest first'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})
