import { CATALOGUES } from '../i18n/catalogue.js'
import { z } from 'zod'
import { cursorSchema } from '../http/cursor.js'
import { TASK_RULE_NAMES } from '../tasks/task-rules.js'
import { ALERT_RULE_NAMES, ALERT_RULES, ALERT_SEVERITIES } from './alert-rules.js'

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
  title: z
    .string()
    .describe('what the alert tells oversight, in a sentence, in es-MX or English by `Accept-Language`')
    .meta({ example: CATALOGUES.en.sentences.alerts.in_migration_station }),
  task: z
    .enum(TASK_RULE_NAMES)
    .nullable()
    .describe('the task rule the alert watches over (the case team sees it in `GET /tasks`); null for an alert with no task')
    .meta({ example: ALERT_RULES.in_migration_station.task }),
})

export const alertListSchema = z.object({
  items: z.array(alertSchema).describe('alerts, the most severe and oldest first'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})
