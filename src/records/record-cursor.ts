import { decodeCursor, encodeCursor } from '../http/cursor.js'

/** Records have time-ordered (v7) ids, so the id of the last item is a stable cursor. */
export const cursorOfId = (id: string): string => encodeCursor('records', id)

export const idFromCursor = (cursor: string | undefined): string | undefined => decodeCursor('records', cursor, ['uuid'])?.[0]
