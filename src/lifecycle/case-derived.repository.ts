import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { insertHistory, sectionBump } from '../cases/case.repository.js'

/**
 * The case's derived columns (custody from placements, bestInterests from determinations) are kept in
 * step with their records in the same transaction. A change bumps the case's version, so an ETag
 * read before it no longer matches, and leaves field-level history like any other change.
 */

export interface DerivedChangeContext {
  readonly actorId: string
  readonly requestId: string
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
const isoOrNull = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString())

/** Recomputes placementType, placementSince, responsibleOrganizationId, inDetention and the closed detention days. */
export async function syncCustodyColumns(db: Kysely<Database>, caseId: string, context: DerivedChangeContext): Promise<string[]> {
  const before = await db
    .selectFrom('cases')
    .select(['placement_type', 'placement_since', 'responsible_organization_id', 'in_detention', 'detention_days_closed'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow()
  const current = await db
    .selectFrom('placements')
    .select(['type', 'started_at', 'responsible_organization_id'])
    .where('case_id', '=', caseId)
    .where('ended_at', 'is', null)
    .executeTakeFirst()
  // Every calendar day touched by an ended stay in a migration station counts as a day in detention.
  const closed = await db
    .selectFrom('placements')
    .select(sql<number>`COALESCE(SUM(ended_at::date - started_at::date + 1), 0)::integer`.as('days'))
    .where('case_id', '=', caseId)
    .where('type', '=', 'migration_station')
    .where('ended_at', 'is not', null)
    .executeTakeFirstOrThrow()
  const after = {
    placement_type: current?.type ?? null,
    placement_since: current ? isoOrNull(current.started_at) : null,
    responsible_organization_id: current?.responsible_organization_id ?? null,
    in_detention: current?.type === 'migration_station',
    detention_days_closed: Number(closed.days),
  }
  const fields: [string, unknown, unknown][] = [
    ['custody.placementType', before.placement_type, after.placement_type],
    ['custody.placementSince', isoOrNull(before.placement_since), after.placement_since],
    ['custody.responsibleOrganizationId', before.responsible_organization_id, after.responsible_organization_id],
    ['custody.inDetention', before.in_detention, after.in_detention],
  ]
  const changed = fields.filter(([, old, value]) => !same(old, value))
  if (changed.length === 0 && before.detention_days_closed === after.detention_days_closed) return []
  await db
    .updateTable('cases')
    .set({ ...after, ...sectionBump(['custody']) })
    .where('id', '=', caseId)
    .execute()
  await insertHistory(
    db,
    changed.map(([field, old, value]) => ({
      case_id: caseId,
      field,
      old_value: old,
      new_value: value,
      actor_id: context.actorId,
      request_id: context.requestId,
    })),
  )
  return changed.map(([field]) => field)
}

export interface BestInterestsValue {
  determinationId: string
  outcome: string
  decidedAt: string
  reviewDueAt: string | null
}

/** The case's bestInterests: the latest decided determination, or nothing. */
export async function syncBestInterests(db: Kysely<Database>, caseId: string, context: DerivedChangeContext): Promise<string[]> {
  const before = await db.selectFrom('cases').select('best_interests').where('id', '=', caseId).executeTakeFirstOrThrow()
  const latest = await db
    .selectFrom('determinations')
    .select(['id', 'outcome', 'decided_at', sql<string | null>`review_due_at::text`.as('review_due_at')])
    .where('case_id', '=', caseId)
    .where('status', '=', 'decided')
    .orderBy('decided_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst()
  const after: BestInterestsValue | null = latest
    ? {
        determinationId: latest.id,
        outcome: latest.outcome as string,
        decidedAt: isoOrNull(latest.decided_at) as string,
        reviewDueAt: latest.review_due_at,
      }
    : null
  const old = (before.best_interests ?? {}) as Record<string, unknown>
  const changed = (['determinationId', 'outcome', 'decidedAt', 'reviewDueAt'] as const).filter((field) => !same(old[field], after?.[field]))
  if (changed.length === 0) return []
  await db
    .updateTable('cases')
    .set({ best_interests: after ? JSON.stringify(after) : null, ...sectionBump(['bestInterests']) })
    .where('id', '=', caseId)
    .execute()
  await insertHistory(
    db,
    changed.map((field) => ({
      case_id: caseId,
      field: `bestInterests.${field}`,
      old_value: old[field] ?? null,
      new_value: after?.[field] ?? null,
      actor_id: context.actorId,
      request_id: context.requestId,
    })),
  )
  return changed.map((field) => `bestInterests.${field}`)
}
