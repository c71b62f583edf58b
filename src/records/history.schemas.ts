import { z } from 'zod'
import { cursorSchema } from '../http/cursor.js'
import { MAX_PAGE_SIZE } from '../http/pagination.js'

export const historyQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  cursor: cursorSchema.optional(),
})

export const historyEntrySchema = z.object({
  id: z.string(),
  /** `section.field` */
  field: z.string(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  actorId: z.uuid(),
  changedAt: z.string(),
  requestId: z.string(),
})
export type HistoryEntry = z.infer<typeof historyEntrySchema>

export const historyPageSchema = z
  .object({ items: z.array(historyEntrySchema), nextCursor: z.string().nullable() })
  .describe('Field-level changes of a case, oldest first, of the fields the caller may read only')
