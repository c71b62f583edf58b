import { z } from 'zod'
import { cursorSchema } from '../http/cursor.js'
import { ALERT_RULE_NAMES, ALERT_SEVERITIES } from './alert-rules.js'

export const alertQuerySchema = z.strictObject({
  severity: z.enum(ALERT_SEVERITIES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: cursorSchema.optional(),
})

export const alertSchema = z.object({
  caseId: z.uuid(),
  caseNumber: z.string(),
  rule: z.enum(ALERT_RULE_NAMES as [string, ...string[]]),
  severity: z.enum(ALERT_SEVERITIES),
  since: z.string().describe('when the alert became due'),
})

export const alertListSchema = z.object({ items: z.array(alertSchema), nextCursor: z.string().nullable() })
