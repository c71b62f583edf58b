import type { Kysely } from 'kysely'
import type { Database, NewUserRow, UserUpdate } from '../db/schema.js'

export function insertUser(db: Kysely<Database>, row: NewUserRow) {
  return db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow()
}

export function findUserById(db: Kysely<Database>, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export function findUserBySubject(db: Kysely<Database>, subject: string) {
  return db.selectFrom('users').selectAll().where('subject', '=', subject).executeTakeFirst()
}

export function updateUser(db: Kysely<Database>, id: string, changes: UserUpdate) {
  return db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
}

export function listUsers(db: Kysely<Database>, options: { limit: number; after: string | undefined }) {
  let query = db.selectFrom('users').selectAll().orderBy('id').limit(options.limit)
  if (options.after) query = query.where('id', '>', options.after)
  return query.execute()
}

export async function countOtherActiveAdmins(db: Kysely<Database>, exceptId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('role', '=', 'system_admin')
    .where('active', '=', true)
    .where('id', '<>', exceptId)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
