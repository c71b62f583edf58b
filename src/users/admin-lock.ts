import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/** One advisory lock for every change that could remove an active system administrator. */
const ADMIN_LOCK_KEY = 5_171_202_640

/**
 * Serialises, in the caller's transaction, the changes that could leave nobody to administer:
 * deactivating or demoting a system_admin, deactivating an organisation. Taken before reading
 * the count, so two admins deactivating each other at once see each other's change (the second
 * waits for the first to commit and then gets its 409).
 */
export async function lockAdministration(db: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${ADMIN_LOCK_KEY}::bigint)`.execute(db)
}

/** Active system_admins in active organisations, leaving out a user or an organisation about to go. */
export async function countActiveAdmins(db: Kysely<Database>, except: { userId?: string; organizationId?: string }): Promise<number> {
  let query = db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.organization_id')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('users.role', '=', 'system_admin')
    .where('users.active', '=', true)
    .where('organizations.active', '=', true)
  if (except.userId) query = query.where('users.id', '<>', except.userId)
  if (except.organizationId) query = query.where('users.organization_id', '<>', except.organizationId)
  const row = await query.executeTakeFirstOrThrow()
  return Number(row.count)
}
