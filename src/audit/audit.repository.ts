import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { insertRowsStatement } from '../db/statement-template.js'
import type { Role } from '../auth/principal.js'
import type { AuditOutcome } from './audit.schemas.js'

export interface AuditEventInput {
  /** The server's own id of the request. */
  readonly requestId: string
  /** The caller's X-Request-Id, when it was a plain token (http/client-request-id.ts). */
  readonly clientRequestId?: string | undefined
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
  await insertAuditEvents(db, [event])
}

/**
 * Several events in one statement (AuditEventBatcher), in the order given: the chain numbers them
 * in that order. Every request writes at least one event, so the statement is built once per number
 * of events (db/statement-template.ts).
 */
export async function insertAuditEvents(db: Kysely<Database>, events: readonly AuditEventInput[]): Promise<void> {
  await db.executeQuery(insertRowsStatement(db, 'audit_events', AUDIT_EVENT_COLUMNS, events.map(auditEventValues)))
}

function auditEventValues(event: AuditEventInput): Record<AuditEventColumn, unknown> {
  return {
    request_id: event.requestId,
    client_request_id: event.clientRequestId ?? null,
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
  }
}

const AUDIT_EVENT_COLUMNS = [
  'request_id',
  'client_request_id',
  'actor_id',
  'actor_role',
  'actor_organization_id',
  'action',
  'case_ids',
  'fields',
  'outcome',
  'reason',
  'policy_version',
  'target_organization_id',
  'changed_fields',
  'target_user_id',
  'event_count',
] as const
type AuditEventColumn = (typeof AUDIT_EVENT_COLUMNS)[number]

/** An allowed event less what the statement that writes it knows itself: the cases and the fields disclosed. */
export type AuditEventBase = Omit<AuditEventInput, 'caseIds' | 'fields' | 'outcome' | 'reason' | 'changedFields' | 'count'>

/**
 * The INSERT of an allowed event whose cases and fields come from the statement it is part of: a CTE
 * beside the data it records (see findCaseInScopeAudited), so the data leaves only with its event.
 * `fields` must be sorted and unique already, as insertAuditEvent keeps them.
 */
export function insertAuditEventFrom(
  event: AuditEventBase,
  from: { source: RawBuilder<unknown>; caseIds: RawBuilder<string[]>; fields: RawBuilder<string[]>; where: RawBuilder<boolean> },
): RawBuilder<unknown> {
  return sql`INSERT INTO audit_events (request_id, client_request_id, actor_id, actor_role, actor_organization_id, action, case_ids, fields,
      outcome, policy_version, target_organization_id, target_user_id)
    SELECT ${event.requestId}::text, ${event.clientRequestId ?? null}::text, ${event.actorId}::uuid, ${event.actorRole}::text, ${event.actorOrganizationId}::uuid, ${event.action}::text,
      ${from.caseIds}, ${from.fields}, 'allowed', ${event.policyVersion}::text, ${event.targetOrganizationId ?? null}::uuid,
      ${event.targetUserId ?? null}::uuid
    FROM ${from.source} WHERE ${from.where}
    RETURNING fields`
}
