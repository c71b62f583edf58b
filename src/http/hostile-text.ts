import { AppError } from './problem.js'

/**
 * One guard for every string the service is sent, whatever the route and whatever its schema.
 * PostgreSQL cannot store U+0000 in text or jsonb, and a lone surrogate is not Unicode at all: both
 * used to reach the database and come back as a 500. They are refused here as a 400, and all other
 * text is put in Unicode NFC, so that one name is stored, compared and indexed one way.
 */
export const MAX_NESTING_DEPTH = 32

// In unicode mode a well-formed pair is one code point; only an unpaired half is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u

export interface RefusedText {
  readonly in: string
  readonly path: string
  readonly message: string
}

/** Why a string cannot be stored, or undefined when it can. */
export function textFault(value: string): string | undefined {
  if (value.includes('\u0000')) return 'NUL characters are not allowed'
  if (LONE_SURROGATE.test(value)) return 'unpaired surrogates are not allowed'
  return undefined
}

const pointer = (path: string, key: string | number) => `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`

/**
 * Checks every string and key of a parsed body, query or parameters, normalising strings to NFC in
 * place. Answers the first fault found; the value sent is never repeated, only where it was.
 */
export function cleanInput(container: unknown, location: string): RefusedText | undefined {
  const visit = (value: unknown, path: string, depth: number, assign: (normalised: string) => void): RefusedText | undefined => {
    if (typeof value === 'string') {
      const fault = textFault(value)
      if (fault) return { in: location, path: path || '/', message: fault }
      const normalised = value.normalize('NFC')
      if (normalised !== value) assign(normalised)
      return undefined
    }
    if (typeof value !== 'object' || value === null) return undefined
    if (depth >= MAX_NESTING_DEPTH) return { in: location, path: path || '/', message: `nested more than ${MAX_NESTING_DEPTH} levels deep` }
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const refused = visit(value[index], pointer(path, index), depth + 1, (normalised) => (value[index] = normalised))
        if (refused) return refused
      }
      return undefined
    }
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      // A field name is never echoed: only where it sits.
      const fault = textFault(key)
      if (fault) return { in: location, path: path || '/', message: `a field name: ${fault}` }
      const refused = visit(record[key], pointer(path, key), depth + 1, (normalised) => (record[key] = normalised))
      if (refused) return refused
    }
    return undefined
  }
  return visit(container, '', 0, () => undefined)
}

export function refuseText(refused: RefusedText): AppError {
  return new AppError('validation-error', 'Some fields are missing or malformed', { errors: [refused] })
}
