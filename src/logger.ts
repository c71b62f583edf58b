import type { LoggerOptions } from 'pino'

/**
 * Logs carry the request id, method, route and status: never tokens, cookies, bodies or case content.
 * The serializers build each log object from an allow-list, and redact is the second wall.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', '*.body', 'body'],
      remove: true,
    },
    serializers: {
      req: (request: { id?: string; method?: string; routeOptions?: { url?: string }; url?: string }) => ({
        id: request.id,
        method: request.method,
        // The route pattern (/cases/:id), not the URL: query strings may hold filter values.
        route: request.routeOptions?.url ?? 'unmatched',
      }),
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      err: serializeError,
    },
  }
}

/** What a database error says of itself (pg and PGlite alike): a SQLSTATE and the names it involves. */
interface DatabaseErrorFields {
  severity?: string
  code?: string
  constraint?: string
  table?: string
  column?: string
  routine?: string
}

const isDatabaseError = (error: Error & DatabaseErrorFields): boolean =>
  typeof error.severity === 'string' && typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code)

/**
 * A database error's message may quote what was submitted (`invalid input syntax for type uuid: "…"`),
 * and its stack begins with that message: it is logged by SQLSTATE and names only. Other errors keep
 * their message, which our code writes.
 */
export function serializeError(error: Error & DatabaseErrorFields): Record<string, unknown> {
  if (isDatabaseError(error)) {
    const { code, constraint, table, column, routine } = error
    return {
      type: 'DatabaseError',
      code,
      message: `database error ${code}`,
      ...(constraint ? { constraint } : {}),
      ...(table ? { table } : {}),
      ...(column ? { column } : {}),
      ...(routine ? { routine } : {}),
      stack: error.stack?.split('\n').slice(1).join('\n'),
    }
  }
  return { type: error.name, code: error.code, message: error.message, stack: error.stack }
}
