import type { Kysely } from 'kysely'
import type { z } from 'zod'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { type Page, pageOf } from '../http/pagination.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { type AuditEventFilters, type AuditEventRow, listAuditEvents } from './audit-trail.repository.js'
import type { auditEventSchema } from './audit.schemas.js'

export type AuditEventView = z.infer<typeof auditEventSchema>

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString()

function toView(row: AuditEventRow): AuditEventView {
  return {
    id: Number(row.id),
    seq: row.seq === null ? null : Number(row.seq),
    occurredAt: iso(row.occurred_at),
    requestId: row.request_id,
    clientRequestId: row.client_request_id ?? null,
    actorId: row.actor_id,
    actorRole: row.actor_role,
    actorOrganizationId: row.actor_organization_id,
    action: row.action,
    caseIds: row.case_ids,
    fields: row.fields,
    outcome: row.outcome,
    reason: row.reason,
    targetOrganizationId: row.target_organization_id ?? null,
    changedFields: row.changed_fields ?? [],
    targetUserId: row.target_user_id ?? null,
    count: Number(row.event_count ?? 1),
    policyVersion: row.policy_version,
  }
}

export async function auditEventPage(
  db: Kysely<Database>,
  filters: AuditEventFilters,
  page: { limit: number; cursor: string | undefined },
): Promise<Page<AuditEventView>> {
  if (filters.from && filters.to && Date.parse(filters.from) > Date.parse(filters.to)) {
    throw new AppError('bad-request', '`from` must not be after `to`')
  }
  const before = decodeCursor('audit-events', page.cursor, ['serial'])?.[0]
  const rows = await listAuditEvents(db, filters, { limit: page.limit, beforeId: before === undefined ? undefined : Number(before) })
  return pageOf(rows.map(toView), page.limit, (last) => encodeCursor('audit-events', String(last.id)))
}
