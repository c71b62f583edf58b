import type { Kysely } from 'kysely'
import type { Database, NewOrganizationRow, OrganizationUpdate } from '../db/schema.js'

export function insertOrganization(db: Kysely<Database>, row: NewOrganizationRow) {
  return db.insertInto('organizations').values(row).returningAll().executeTakeFirstOrThrow()
}

export function findOrganizationById(db: Kysely<Database>, id: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
}

export function updateOrganization(db: Kysely<Database>, id: string, changes: OrganizationUpdate) {
  return db.updateTable('organizations').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
}

export function findOrganizationByName(db: Kysely<Database>, name: string) {
  return db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst()
}

export function listOrganizations(db: Kysely<Database>, options: { limit: number; after: string | undefined }) {
  let query = db.selectFrom('organizations').selectAll().orderBy('id').limit(options.limit)
  if (options.after) query = query.where('id', '>', options.after)
  return query.execute()
}
