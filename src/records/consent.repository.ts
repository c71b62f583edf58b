import type { Insertable, Kysely } from 'kysely'
import { sql } from 'kysely'
import type { ConsentTable, Database } from '../db/schema.js'

export async function insertConsent(db: Kysely<Database>, row: Insertable<ConsentTable>) {
  return db.insertInto('consents').values(row).returningAll().executeTakeFirstOrThrow()
}

/**
 * A consent of this case (a consent of another case is not found). `share` holds it against a
 * concurrent withdrawal until a share made on it commits; `update` is for the withdrawal itself.
 */
export async function findConsent(db: Kysely<Database>, caseId: string, consentId: string, lock?: 'share' | 'update') {
  let query = db.selectFrom('consents').selectAll().where('id', '=', consentId).where('case_id', '=', caseId)
  if (lock === 'share') query = query.forShare()
  if (lock === 'update') query = query.forUpdate()
  return query.executeTakeFirst()
}

export async function listConsentsOfCase(db: Kysely<Database>, caseId: string, options: { limit: number; after: string | undefined }) {
  let query = db.selectFrom('consents').selectAll().where('case_id', '=', caseId).orderBy('id').limit(options.limit)
  if (options.after) query = query.where('id', '>', options.after)
  return query.execute()
}

export async function markConsentWithdrawn(db: Kysely<Database>, consentId: string, expectedVersion: number, withdrawnAt: string) {
  return db
    .updateTable('consents')
    .set({ withdrawn_at: withdrawnAt, version: sql<number>`version + 1` })
    .where('id', '=', consentId)
    .where('version', '=', expectedVersion)
    .returningAll()
    .executeTakeFirst()
}

export async function organizationKinds(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('organizations')
    .select(['id', 'kind'])
    .where('id', 'in', [...ids])
    .execute()
  return new Map(rows.map((row) => [row.id, row.kind]))
}

/**
 * Ends every live participation that rests on this consent alone, in the withdrawal's transaction:
 * access ends with the consent. Returns the organisations whose participation ended.
 */
export async function endParticipationsOnConsent(db: Kysely<Database>, consentId: string, endedBy: string): Promise<string[]> {
  const rows = await db
    .updateTable('case_participants')
    .set({ ended_at: sql<Date>`now()`, ended_by: endedBy, end_reason: 'consent_withdrawn' })
    .where('consent_id', '=', consentId)
    .where('basis', '=', 'consent')
    .where('ended_at', 'is', null)
    .returning('organization_id')
    .execute()
  return rows.map((row) => row.organization_id)
}
