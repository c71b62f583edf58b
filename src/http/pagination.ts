import { z } from 'zod'
import { cursorSchema } from './cursor.js'

export const MAX_PAGE_SIZE = 100

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25).describe('page size (1-100)'),
  cursor: cursorSchema.optional(),
})

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** Rows were fetched with limit + 1: the extra one only says there is a next page. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last ? cursorOf(last) : null }
}
