import { z } from 'zod'
import { AppError } from './problem.js'

/**
 * The one cursor format of every list. A cursor is opaque to clients: base64url of the list's name
 * and the position of the last item listed (`cases|<uuid>`). Decoding checks everything — canonical
 * encoding, the list it came from, the number of parts and each part's form — so a forged or
 * truncated cursor, or one from another list, is a 400 and never reaches SQL. A well-formed cursor
 * names only a position: lists filter by the caller's scope, so it discloses nothing.
 */
const PART_FORMS = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  /** A bigint row id, small enough to be exact as a JavaScript number. */
  serial: /^[1-9][0-9]{0,14}$/,
  /** A rule or code name. */
  name: /^[a-z][a-z0-9_.-]{0,63}$/,
} as const
export type CursorPart = keyof typeof PART_FORMS

export const MAX_CURSOR_LENGTH = 200
const BASE64URL = /^[A-Za-z0-9_-]+$/

/** The query parameter, checked for its alphabet and length before any decoding. */
export const cursorSchema = z
  .string()
  .max(MAX_CURSOR_LENGTH)
  .regex(BASE64URL, 'a cursor from a previous page')
  .describe('`nextCursor` of the previous page, as it was given')

export function encodeCursor(list: string, ...parts: readonly string[]): string {
  return Buffer.from([list, ...parts].join('|')).toString('base64url')
}

const invalidCursor = () => new AppError('bad-request', 'The cursor is not valid')

/** The parts of a cursor this list made, or undefined when none was given; a 400 when forged. */
export function decodeCursor<const Parts extends readonly CursorPart[]>(
  list: string,
  cursor: string | undefined,
  parts: Parts,
): { [Index in keyof Parts]: string } | undefined {
  if (cursor === undefined || cursor === '') return undefined
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalidCursor()
  const text = Buffer.from(cursor, 'base64url').toString()
  // Buffer decoding forgives stray characters and bad padding; only the exact encoding is ours.
  if (Buffer.from(text).toString('base64url') !== cursor) throw invalidCursor()
  const [name, ...values] = text.split('|')
  if (name !== list || values.length !== parts.length) throw invalidCursor()
  parts.forEach((part, index) => {
    if (!PART_FORMS[part].test(values[index]!)) throw invalidCursor()
  })
  return values as { [Index in keyof Parts]: string }
}
