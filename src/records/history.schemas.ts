import { z } from 'zod'
import { cursorSchema } from '../http/cursor.js'
import { MAX_PAGE_SIZE } from '../http/pagination.js'

export const historyQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50).describe('page size (1-100)'),
  cursor: cursorSchema.optional(),
})

export const historyEntrySchema = z.object({
  id: z.string().describe('the entry’s id'),
  /** `section.field` */
  field: z.string().describe('the field that changed, as section.field'),
  oldValue: z.unknown().describe('its value before (any JSON value; null when it was unset)'),
  newValue: z.unknown().describe('its value after (any JSON value; null when cleared)'),
  actorId: z.uuid().describe('the user who changed it'),
  changedAt: z.string().describe('when it changed (UTC)'),
  requestId: z.string().describe('the request that changed it, as in the audit trail'),
})
export type HistoryEntry = z.infer<typeof historyEntrySchema>

export const historyPageSchema = z
  .object({
    items: z.array(historyEntrySchema).describe('changes, oldest first'),
    nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
  })
  .describe('Field-level changes of a case, oldest first, of the fields the caller may read only')
