import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { ROLE_ORGANIZATION_KINDS, type OrganizationKind, type Role } from '../auth/principal.js'
import type { Database, UserRow } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { type Page, pageOf } from '../http/pagination.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { findOrganizationById } from '../organizations/organization.repository.js'
import { countOtherActiveAdmins, findUserById, findUserBySubject, insertUser, listUsers, updateUser } from './user.repository.js'
import type { NewUser, User, UserPatch } from './user.schemas.js'

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    subject: row.subject,
    displayName: row.display_name,
    role: row.role as Role,
    organizationId: row.organization_id,
    active: row.active,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

function assertRoleFitsOrganization(role: Role, kind: OrganizationKind): void {
  if (!ROLE_ORGANIZATION_KINDS[role].includes(kind)) {
    throw new AppError('unprocessable-entity', `The role ${role} does not fit an organisation of kind ${kind}`, {
      allowedKinds: ROLE_ORGANIZATION_KINDS[role],
    })
  }
}

export async function createUser(db: Kysely<Database>, input: NewUser): Promise<User> {
  const organization = await findOrganizationById(db, input.organizationId)
  if (!organization) throw new AppError('unprocessable-entity', 'No such organisation')
  assertRoleFitsOrganization(input.role, organization.kind as OrganizationKind)
  if (await findUserBySubject(db, input.subject)) throw new AppError('conflict', 'A user with this subject exists')
  const row = await insertUser(db, {
    id: uuidv7(),
    subject: input.subject,
    display_name: input.displayName,
    role: input.role,
    organization_id: input.organizationId,
  })
  return toUser(row)
}

export async function changeUser(db: Kysely<Database>, id: string, patch: UserPatch): Promise<User> {
  const current = await findUserById(db, id)
  if (!current) throw notFound('user')
  // Nobody could manage users any more (BOOTSTRAP_ADMIN_SUBJECT only creates a missing admin).
  const removesAnAdmin = current.role === 'system_admin' && current.active && (patch.active === false || (patch.role ?? 'system_admin') !== 'system_admin')
  if (removesAnAdmin && (await countOtherActiveAdmins(db, id)) === 0) {
    throw new AppError('conflict', 'This is the last active system administrator; make another one first')
  }
  if (patch.role) {
    const organization = await findOrganizationById(db, current.organization_id)
    assertRoleFitsOrganization(patch.role, organization!.kind as OrganizationKind)
  }
  const row = await updateUser(db, id, {
    ...(patch.active === undefined ? {} : { active: patch.active }),
    ...(patch.displayName === undefined ? {} : { display_name: patch.displayName }),
    ...(patch.role === undefined ? {} : { role: patch.role }),
    updated_at: new Date(),
  })
  return toUser(row!)
}

export async function readUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  const row = await findUserById(db, id)
  return row ? toUser(row) : undefined
}

export async function pageOfUsers(db: Kysely<Database>, limit: number, cursor: string | undefined): Promise<Page<User>> {
  const rows = await listUsers(db, { limit: limit + 1, after: decodeCursor('users', cursor, ['uuid'])?.[0] })
  return pageOf(rows.map(toUser), limit, (user) => encodeCursor('users', user.id))
}

/** BOOTSTRAP_ADMIN_SUBJECT: a system_admin with this subject exists, in a platform organisation. */
export async function ensureBootstrapAdmin(db: Kysely<Database>, subject: string): Promise<void> {
  if (await findUserBySubject(db, subject)) return
  let platform = await db.selectFrom('organizations').selectAll().where('kind', '=', 'platform').orderBy('id').executeTakeFirst()
  platform ??= await db
    .insertInto('organizations')
    .values({ id: uuidv7(), name: 'Platform administration', kind: 'platform' })
    .returningAll()
    .executeTakeFirstOrThrow()
  await insertUser(db, { id: uuidv7(), subject, display_name: 'Bootstrap administrator', role: 'system_admin', organization_id: platform.id })
}
