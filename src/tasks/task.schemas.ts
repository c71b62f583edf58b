import { CATALOGUES } from '../i18n/catalogue.js'
import { z } from 'zod'
import { isoDate, isoDateTime } from '../http/dates.js'
import { TASK_RULE_NAMES } from './task-rules.js'

/** A timestamp or date a database can hold: years 1900-2199 (year 0 or 99999 is a 400, never a 500). */
const boundedInstant = z.union([isoDateTime, isoDate]).refine((value) => /^(19|2[01])\d\d-/.test(value), 'a year between 1900 and 2199')

export const taskQuerySchema = z.strictObject({
  assignedTo: z
    .union([z.literal('me'), z.uuid()])
    .optional()
    .describe('`me` or a user id: the cases the reader’s organisation assigned to that user'),
  caseId: z.uuid().optional().describe('only the tasks of this case'),
  rule: z.enum(TASK_RULE_NAMES).optional().describe('only tasks of this rule (GET /vocabulary)'),
  overdue: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('only tasks past (true) or not yet past (false) their due time'),
  dueBefore: boundedInstant.optional().describe('only tasks due before this time (a date: its start in Mexico City)'),
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('page size (1-100)'),
  cursor: z.string().max(300).optional().describe('`nextCursor` of the previous page, as it was given'),
})
export type TaskQueryInput = z.infer<typeof taskQuerySchema>

export const taskSchema = z
  .object({
    rule: z.enum(TASK_RULE_NAMES).describe('the rule that makes the task (GET /vocabulary)'),
    caseId: z.uuid().describe('the case it belongs to'),
    caseNumber: z.string().describe('the case’s human-readable number'),
    dueAt: z.string().describe('when the task is due (UTC)'),
    overdue: z.boolean().describe('true: its due time has passed'),
    title: z
      .string()
      .describe('what to do, in a sentence, in es-MX or English by `Accept-Language` (else the deployment’s `DEFAULT_LANGUAGE`)')
      .meta({ example: CATALOGUES.en.sentences.tasks.notify_procuraduria }),
    resolveWith: z
      .object({ method: z.enum(['POST', 'PATCH', 'PUT']).describe('its method'), path: z.string().describe('its path') })
      .describe('the route that resolves the task'),
  })
  .describe('A task: what the caller should do on a case, and by when')

export const taskListSchema = z.object({
  items: z.array(taskSchema).describe('tasks, the earliest due first'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})
