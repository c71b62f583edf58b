import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

export function findActivePrincipalRow(db: Kysely<Database>, subject: string) {
  return db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.organization_id')
    .select([
      'users.id as userId',
      'users.subject',
      'users.display_name as displayName',
      'users.role',
      'users.active',
      'users.organization_id as organizationId',
      'organizations.kind as organizationKind',
      'organizations.active as organizationActive',
    ])
    .where('users.subject', '=', subject)
    .executeTakeFirst()
}
