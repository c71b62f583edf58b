/**
 * RFC 9457 problem documents. Every error kind has a stable `type`; clients branch on it,
 * people read `title` and `detail`. A detail never carries stored values, SQL or a stack.
 */
export const PROBLEM_TYPES = {
  'bad-request': { status: 400, title: 'Bad request' },
  'validation-error': { status: 400, title: 'The request is not valid' },
  'read-only-field': { status: 400, title: 'Read-only fields cannot be written' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'forbidden-fields': { status: 403, title: 'Some fields may not be written by this user' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'guard-failed': { status: 409, title: 'The case does not meet the conditions for this stage' },
  'precondition-failed': { status: 412, title: 'The resource has changed since it was read' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'uri-too-long': { status: 414, title: 'The URL is too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'unprocessable-entity': { status: 422, title: 'The request cannot be processed' },
  'precondition-required': { status: 428, title: 'If-Match is required' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
} as const

export type ProblemCode = keyof typeof PROBLEM_TYPES

export const PROBLEM_TYPE_PREFIX = 'urn:atd:problem:'

export interface ProblemDocument {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  [extension: string]: unknown
}

/** The one error class the service throws on purpose; the error handler turns it into a problem. */
export class AppError extends Error {
  readonly status: number
  declare readonly resource?: string
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail ?? PROBLEM_TYPES[code].title)
    this.name = 'AppError'
    this.status = PROBLEM_TYPES[code].status
  }

  /** Keeps the underlying error for the log; it never reaches the client. */
  withCause(cause: unknown): this {
    Object.defineProperty(this, 'cause', { value: cause, enumerable: false })
    return this
  }
}

export function problemDocument(code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}): ProblemDocument {
  const { status, title } = PROBLEM_TYPES[code]
  return { type: `${PROBLEM_TYPE_PREFIX}${code}`, title, status, ...(detail ? { detail } : {}), ...extensions }
}

/** A 404; `resource` names what is missing (a case, a note), for the audit trail, never the client. */
export const notFound = (what = 'resource'): AppError => {
  const error = new AppError('not-found', `No such ${what}`)
  Object.defineProperty(error, 'resource', { value: what, enumerable: false })
  return error
}
