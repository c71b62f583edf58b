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
      err: (error: Error & { code?: string }) => ({
        type: error.name,
        code: error.code,
        // Database errors keep values in `detail`, which is never logged; messages name constraints.
        message: error.message,
        stack: error.stack,
      }),
    },
  }
}
