import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Role } from '../auth/principal.js'
import type { AuditOutcome } from './audit.schemas.js'

export interface AuditEventFilters {
  readonly caseId?: string | undefined
  readonly actorId?: string | undefined
  readonly organizationId?: string | undefined
  readonly action?: string | undefined
  readonly outcome?: AuditOutcome | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
}

export interface AuditEventRow {
  id: number | string
  occurred_at: Date | string
  request_id: string
  client_request_id?: string | null
  actor_id: string | null
  actor_role: Role | null
  actor_organization_id: string | null
  action: string
  case_ids: string[]
  fields: string[]
  outcome: AuditOutcome
  reason: string | null
  policy_version: string
  /** present once the share migration added it */
  target_organization_id?: string | null
  changed_fields?: string[]
  target_user_id?: string | null
  event_count?: number | string
  seq: number | string | null
}

/** Newest first, `limit + 1` rows (the extra one says there is a next page), before the cursor id. */
export async function listAuditEvents(
  db: Kysely<Database>,
  filters: AuditEventFilters,
  page: { limit: number; beforeId: number | undefined },
): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events as e').leftJoin('audit_chain as c', 'c.event_id', 'e.id').selectAll('e').select('c.seq')
  // The GIN index on case_ids serves containment.
  if (filters.caseId) query = query.where(sql<boolean>`e.case_ids @> ARRAY[${filters.caseId}]::uuid[]`)
  if (filters.actorId) query = query.where('e.actor_id', '=', filters.actorId)
  if (filters.organizationId) query = query.where('e.actor_organization_id', '=', filters.organizationId)
  if (filters.action) query = query.where('e.action', '=', filters.action)
  if (filters.outcome) query = query.where('e.outcome', '=', filters.outcome)
  if (filters.from) query = query.where('e.occurred_at', '>=', new Date(filters.from))
  if (filters.to) query = query.where('e.occurred_at', '<', new Date(filters.to))
  if (page.beforeId !== undefined) query = query.where('e.id', '<', page.beforeId)
  const rows = await query
    .orderBy('e.id', 'desc')
    .limit(page.limit + 1)
    .execute()
  return rows as unknown as AuditEventRow[]
}
