import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { ROLES } from '../auth/principal.js'
import { notFound } from '../http/problem.js'
import { organizationKindSchema } from './organization.schemas.js'
import type { Organization } from './organization.schemas.js'
import type { User } from '../users/user.schemas.js'

/**
 * The directory (PRODUCT.md, "Directory"): every user may list organisations to pick whom to share
 * with, refer or transfer to; oversight and the admin may read users so an audit event's actor has a
 * name. Neither is child data. The admin keeps its fuller administrative view.
 */

/** An organisation as the directory shows it; `createdAt` only in the admin's view. */
export const directoryOrganizationSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  name: z.string().describe('the organisation’s name'),
  kind: organizationKindSchema.describe('what the organisation is; it decides which roles its users may have'),
  createdAt: z.string().optional().describe('system_admin only'),
})
export const directoryOrganizationListSchema = z.object({
  items: z.array(directoryOrganizationSchema).describe('the organisations of this page, by id'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

/** A user as the directory shows it; `subject` and the times only in the admin's view. */
export const directoryUserSchema = z.object({
  id: z.uuid().describe('the record’s id (UUID v7, time-ordered)'),
  displayName: z.string().describe('the name shown for the user, e.g. in audit events'),
  role: z.enum(ROLES).describe('the user’s role (policies/access-matrix.yaml)'),
  organizationId: z.uuid().describe('the organisation the user works for'),
  active: z.boolean().describe('false: the user is refused (401)'),
  subject: z.string().optional().describe('system_admin only'),
  createdAt: z.string().optional().describe('system_admin only'),
  updatedAt: z.string().optional().describe('system_admin only'),
})
export const directoryUserListSchema = z.object({
  items: z.array(directoryUserSchema).describe('the users of this page, by id'),
  nextCursor: z.string().nullable().describe('the cursor of the next page (send it as `cursor`); null on the last page'),
})

export const isAdministrator = (request: FastifyRequest): boolean => request.ability.can('manage', 'Organization')

export function directoryOrganization(organization: Organization, full: boolean) {
  return full ? organization : { id: organization.id, name: organization.name, kind: organization.kind }
}

export function directoryUser(user: User, full: boolean) {
  return full
    ? user
    : { id: user.id, displayName: user.displayName, role: user.role, organizationId: user.organizationId, active: user.active }
}

/** 404 when there is no such user (the caller may read users at all, checked before). */
export function requireFound<T>(value: T | undefined): T {
  if (value === undefined) throw notFound('user')
  return value
}
