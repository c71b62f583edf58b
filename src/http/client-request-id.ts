import type { RawRequestDefaultExpression } from 'fastify'

/**
 * The form a caller's X-Request-Id must have to be kept (in the logs and in the audit trail, beside
 * the server's own id). The database checks the same form on audit_events.client_request_id
 * (migrations/2026-12-04-10-client-request-id.ts).
 */
export const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** The caller's X-Request-Id when it is a plain token of at most 64 characters; anything else is dropped unread. */
export function clientRequestIdOf(request: RawRequestDefaultExpression): string | undefined {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : undefined
}
