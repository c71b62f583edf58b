import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { ROLE_ORGANIZATION_KINDS, type OrganizationKind, type Role } from '../auth/principal.js'
import type { Database, UserRow } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { type Page, pageOf } from '../http/pagination.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { findOrganizationById } from '../organizations/organization.repository.js'
import { insertAuditEvent } from '../audit/audit.repository.js'
import type { RecordAudit } from '../audit/audited.js'
import { countActiveAdmins, lockAdministration } from './admin-lock.js'
import { findUserById, findUserBySubject, insertUser, listUsers, updateUser } from './user.repository.js'
import type { NewUser, User, UserPatch } from './user.schemas.js'

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    subject: row.subject,
    displayName: row.display_name,
    role: row.role,
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
      reason: 'role_does_not_fit_organization',
    })
  }
}

/** The names of a user's fields, as audit events name them (never their values). */
export const USER_FIELDS = ['user.id', 'user.subject', 'user.displayName', 'user.role', 'user.organizationId', 'user.active'] as const

/** Audited as `user.create`: the subject, name, role and organisation it set. */
export async function createUser(db: Kysely<Database>, input: NewUser, recordAudit: RecordAudit): Promise<User> {
  const organization = await findOrganizationById(db, input.organizationId)
  if (!organization) throw new AppError('unprocessable-entity', 'No such organisation', { reason: 'unknown_organization' })
  if (!organization.active)
    throw new AppError('unprocessable-entity', 'This organisation is deactivated', { reason: 'organization_inactive' })
  assertRoleFitsOrganization(input.role, organization.kind)
  if (await findUserBySubject(db, input.subject))
    throw new AppError('conflict', 'A user with this subject exists', { reason: 'subject_exists' })
  const row = await insertUser(db, {
    id: uuidv7(),
    subject: input.subject,
    display_name: input.displayName,
    role: input.role,
    organization_id: input.organizationId,
  })
  await recordAudit({
    caseIds: [],
    fields: USER_FIELDS,
    changedFields: ['user.subject', 'user.displayName', 'user.role', 'user.organizationId', 'user.active'],
    targetUserId: row.id,
    targetOrganizationId: row.organization_id,
  })
  return toUser(row)
}

/**
 * Audited as `user.update`, naming the fields it changed. A change that could remove an active
 * system_admin takes the administration lock first: at least one always remains (409 otherwise).
 */
export async function changeUser(db: Kysely<Database>, id: string, patch: UserPatch, recordAudit: RecordAudit): Promise<User> {
  const removesAnAdmin = patch.active === false || (patch.role !== undefined && patch.role !== 'system_admin')
  if (removesAnAdmin) await lockAdministration(db)
  const current = await findUserById(db, id)
  if (!current) throw notFound('user')
  if (removesAnAdmin && current.role === 'system_admin' && current.active && (await countActiveAdmins(db, { userId: id })) === 0) {
    throw new AppError('conflict', 'This is the last active system administrator; make another one first', { reason: 'last_active_admin' })
  }
  if (patch.role) {
    const organization = await findOrganizationById(db, current.organization_id)
    assertRoleFitsOrganization(patch.role, organization!.kind)
  }
  const changedFields = [
    ...(patch.active !== undefined && patch.active !== current.active ? ['user.active'] : []),
    ...(patch.displayName !== undefined && patch.displayName !== current.display_name ? ['user.displayName'] : []),
    ...(patch.role !== undefined && patch.role !== current.role ? ['user.role'] : []),
  ]
  const row =
    changedFields.length === 0
      ? current
      : await updateUser(db, id, {
          ...(patch.active === undefined ? {} : { active: patch.active }),
          ...(patch.displayName === undefined ? {} : { display_name: patch.displayName }),
          ...(patch.role === undefined ? {} : { role: patch.role }),
          updated_at: new Date(),
        })
  await recordAudit({ caseIds: [], fields: USER_FIELDS, changedFields, targetUserId: id, targetOrganizationId: current.organization_id })
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

/**
 * BOOTSTRAP_ADMIN_SUBJECT: a system_admin with this subject exists, in a platform organisation, and
 * is active (a deactivated subject, or its deactivated organisation, is reactivated), so that an
 * operator who lost every administrator gets one back by restarting. What it did is on record.
 */
export async function ensureBootstrapAdmin(
  db: Kysely<Database>,
  subject: string,
  policyVersion = 'bootstrap',
): Promise<'exists' | 'created' | 'reactivated'> {
  return db.transaction().execute(async (trx) => {
    await lockAdministration(trx)
    const record = (action: string, userId: string, organizationId: string, changedFields: string[]) =>
      insertAuditEvent(trx, {
        requestId: `bootstrap-${uuidv7()}`,
        actorId: null,
        actorRole: null,
        actorOrganizationId: null,
        action,
        caseIds: [],
        fields: [],
        changedFields,
        outcome: 'allowed',
        reason: 'bootstrap_admin_subject',
        policyVersion,
        targetUserId: userId,
        targetOrganizationId: organizationId,
      })
    const existing = await findUserBySubject(trx, subject)
    if (existing) {
      const organization = await findOrganizationById(trx, existing.organization_id)
      if (existing.active && organization?.active) return 'exists'
      if (!existing.active) await updateUser(trx, existing.id, { active: true, updated_at: new Date() })
      if (organization && !organization.active)
        await trx.updateTable('organizations').set({ active: true }).where('id', '=', organization.id).execute()
      await record('user.bootstrap', existing.id, existing.organization_id, [
        ...(existing.active ? [] : ['user.active']),
        ...(organization?.active === false ? ['organization.active'] : []),
      ])
      return 'reactivated'
    }
    let platform = await trx
      .selectFrom('organizations')
      .selectAll()
      .where('kind', '=', 'platform')
      .orderBy('active', 'desc')
      .orderBy('id')
      .executeTakeFirst()
    platform ??= await trx
      .insertInto('organizations')
      .values({ id: uuidv7(), name: 'Platform administration', kind: 'platform' })
      .returningAll()
      .executeTakeFirstOrThrow()
    if (!platform.active) await trx.updateTable('organizations').set({ active: true }).where('id', '=', platform.id).execute()
    const user = await insertUser(trx, {
      id: uuidv7(),
      subject,
      display_name: 'Bootstrap administrator',
      role: 'system_admin',
      organization_id: platform.id,
    })
    await record('user.bootstrap', user.id, platform.id, [
      'user.subject',
      'user.displayName',
      'user.role',
      'user.organizationId',
      'user.active',
    ])
    return 'created'
  })
}
