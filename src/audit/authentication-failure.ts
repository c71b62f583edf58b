import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { insertAuditEvent } from './audit.repository.js'

/**
 * A refused token, in the trail: the reason and the request id only. There is no actor (nobody was
 * authenticated) and the token itself is never kept.
 */
export async function recordAuthenticationFailure(
  db: Kysely<Database>,
  event: { requestId: string; reason: string; policyVersion: string; count?: number },
): Promise<void> {
  await insertAuditEvent(db, {
    requestId: event.requestId,
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
