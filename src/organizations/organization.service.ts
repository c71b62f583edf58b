import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { RecordAudit } from '../audit/audited.js'
import type { Database, OrganizationRow } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { type Page, pageOf } from '../http/pagination.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { countActiveAdmins, lockAdministration } from '../users/admin-lock.js'
import {
  findOrganizationById,
  findOrganizationByName,
  insertOrganization,
  listOrganizations,
  updateOrganization,
} from './organization.repository.js'
import type { NewOrganization, Organization, OrganizationPatch } from './organization.schemas.js'

/** The names of an organisation's fields, as audit events name them (never their values). */
export const ORGANIZATION_FIELDS = ['organization.id', 'organization.name', 'organization.kind', 'organization.active'] as const

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    active: row.active,
    createdAt: new Date(row.created_at).toISOString(),
  }
}

/** Audited as `organization.create`. */
export async function createOrganization(db: Kysely<Database>, input: NewOrganization, recordAudit: RecordAudit): Promise<Organization> {
  if (await findOrganizationByName(db, input.name))
    throw new AppError('conflict', 'An organisation with this name exists', { reason: 'name_exists' })
  const row = await insertOrganization(db, { id: uuidv7(), name: input.name, kind: input.kind })
  await recordAudit({
    caseIds: [],
    fields: ORGANIZATION_FIELDS,
    changedFields: ['organization.name', 'organization.kind', 'organization.active'],
    targetOrganizationId: row.id,
  })
  return toOrganization(row)
}

/**
 * Activates or deactivates an organisation (audited as `organization.update`). A deactivated
 * organisation's users are refused on their next request and it receives no shares; the
 * organisation of the last active system_admin cannot be deactivated (409), under the same lock
 * as deactivating a user.
 */
export async function changeOrganization(
  db: Kysely<Database>,
  id: string,
  patch: OrganizationPatch,
  recordAudit: RecordAudit,
): Promise<Organization> {
  if (!patch.active) await lockAdministration(db)
  const current = await findOrganizationById(db, id)
  if (!current) throw notFound('organization')
  if (!patch.active && current.active && (await countActiveAdmins(db, { organizationId: id })) === 0) {
    throw new AppError('conflict', 'The last active system administrator belongs to this organisation; make another one elsewhere first', {
      reason: 'last_active_admin',
    })
  }
  const changed = patch.active !== current.active
  const row = changed ? await updateOrganization(db, id, { active: patch.active }) : current
  await recordAudit({
    caseIds: [],
    fields: ORGANIZATION_FIELDS,
    changedFields: changed ? ['organization.active'] : [],
    targetOrganizationId: id,
  })
  return toOrganization(row!)
}

/** One organisation, or a 404. */
export async function readOrganization(db: Kysely<Database>, id: string): Promise<Organization> {
  const row = await findOrganizationById(db, id)
  if (!row) throw notFound('organization')
  return toOrganization(row)
}

export async function pageOfOrganizations(db: Kysely<Database>, limit: number, cursor: string | undefined): Promise<Page<Organization>> {
  const rows = await listOrganizations(db, { limit: limit + 1, after: decodeCursor('organizations', cursor, ['uuid'])?.[0] })
  return pageOf(rows.map(toOrganization), limit, (organization) => encodeCursor('organizations', organization.id))
}
