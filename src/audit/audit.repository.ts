import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Role } from '../auth/principal.js'
import type { AuditOutcome } from './audit.schemas.js'

export interface AuditEventInput {
  readonly requestId: string
  readonly actorId: string | null
  readonly actorRole: Role | null
  readonly actorOrganizationId: string | null
  readonly action: string
  readonly caseIds: readonly string[]
  /** `section.field` names disclosed or changed: names, never values. */
  readonly fields: readonly string[]
  readonly outcome: AuditOutcome
  readonly reason?: string | undefined
  readonly policyVersion: string
  /** The organisation a share let in (case.share). */
  readonly targetOrganizationId?: string | undefined
  /** `section.field` names a change changed (`fields`: those its answer disclosed). */
  readonly changedFields?: readonly string[] | undefined
  /** The user an administrative act was about. */
  readonly targetUserId?: string | undefined
  /** How many attempts the event stands for (aggregated refused tokens). */
  readonly count?: number | undefined
}

export async function insertAuditEvent(db: Kysely<Database>, event: AuditEventInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      request_id: event.requestId,
      actor_id: event.actorId,
      actor_role: event.actorRole,
      actor_organization_id: event.actorOrganizationId,
      action: event.action,
      case_ids: [...event.caseIds],
      fields: [...new Set(event.fields)].sort(),
      outcome: event.outcome,
      reason: event.reason ?? null,
      policy_version: event.policyVersion,
      target_organization_id: event.targetOrganizationId ?? null,
      changed_fields: [...new Set(event.changedFields ?? [])].sort(),
      target_user_id: event.targetUserId ?? null,
      event_count: event.count ?? 1,
    })
    .execute()
}
