import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { insertAuditEvent } from './audit.repository.js'

/**
 * A refused token, in the trail: the reason and the request ids only (the server's, and the caller's
 * when it was a plain token). There is no actor (nobody was
 * authenticated) and the token itself is never kept.
 */
export async function recordAuthenticationFailure(
  db: Kysely<Database>,
  event: { requestId: string; clientRequestId?: string | undefined; reason: string; policyVersion: string; count?: number },
): Promise<void> {
  await insertAuditEvent(db, {
    requestId: event.requestId,
    clientRequestId: event.clientRequestId,
    actorId: null,
    actorRole: null,
    actorOrganizationId: null,
    action: 'auth.failed',
    caseIds: [],
    fields: [],
    outcome: 'denied',
    reason: event.reason,
    policyVersion: event.policyVersion,
    count: event.count,
  })
}
