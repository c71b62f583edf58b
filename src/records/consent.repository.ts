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
    .set({ withdrawn_at: withdrawnAt, version: sql`version + 1` } as never)
    .where('id', '=', consentId)
    .where('version', '=', expectedVersion)
    .returningAll()
    .executeTakeFirst()
}

export async function countOrganizations(db: Kysely<Database>, ids: readonly string[]): Promise<number> {
  const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<string>().as('count')).where('id', 'in', [...ids]).executeTakeFirstOrThrow()
  return Number(row.count)
}
