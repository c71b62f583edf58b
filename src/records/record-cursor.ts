import { AppError } from '../http/problem.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Records have time-ordered (v7) ids, so the id of the last item is a stable cursor. */
export const cursorOfId = (id: string): string => Buffer.from(id).toString('base64url')

export function idFromCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined
  const id = Buffer.from(cursor, 'base64url').toString()
  if (!UUID.test(id)) throw new AppError('bad-request', 'The cursor is not valid')
  return id
}
