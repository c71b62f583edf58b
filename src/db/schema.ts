import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/** Written as a Date or ISO text, read as the driver's Date. */
type Timestamp = ColumnType<Date, Date | string, Date | string>

export interface OrganizationTable {
  id: string
  name: string
  kind: string
  created_at: Generated<Timestamp>
}

export interface UserTable {
  id: string
  subject: string
  display_name: string
  role: string
  organization_id: string
  active: Generated<boolean>
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
}

export interface InstanceSecretTable {
  name: string
  value: string
}

export interface IdempotencyKeyTable {
  user_id: string
  key: string
  request_hash: string
  resource_id: string
  created_at: Generated<Timestamp>
}

export interface Database {
  organizations: OrganizationTable
  users: UserTable
  instance_secrets: InstanceSecretTable
  idempotency_keys: IdempotencyKeyTable
}

export type OrganizationRow = Selectable<OrganizationTable>
export type NewOrganizationRow = Insertable<OrganizationTable>
export type UserRow = Selectable<UserTable>
export type NewUserRow = Insertable<UserTable>
export type UserUpdate = Updateable<UserTable>
