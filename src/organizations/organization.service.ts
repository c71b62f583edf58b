import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { Database, OrganizationRow } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { type Page, pageOf } from '../http/pagination.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { findOrganizationByName, insertOrganization, listOrganizations } from './organization.repository.js'
import type { NewOrganization, Organization } from './organization.schemas.js'

export function toOrganization(row: OrganizationRow): Organization {
  return { id: row.id, name: row.name, kind: row.kind as Organization['kind'], createdAt: new Date(row.created_at).toISOString() }
}

export async function createOrganization(db: Kysely<Database>, input: NewOrganization): Promise<Organization> {
  if (await findOrganizationByName(db, input.name)) throw new AppError('conflict', 'An organisation with this name exists')
  return toOrganization(await insertOrganization(db, { id: uuidv7(), name: input.name, kind: input.kind }))
}

export async function pageOfOrganizations(db: Kysely<Database>, limit: number, cursor: string | undefined): Promise<Page<Organization>> {
  const rows = await listOrganizations(db, { limit: limit + 1, after: decodeCursor('organizations', cursor, ['uuid'])?.[0] })
  return pageOf(rows.map(toOrganization), limit, (organization) => encodeCursor('organizations', organization.id))
}
