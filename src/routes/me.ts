import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { findOrganizationById } from '../organizations/organization.repository.js'
import { organizationKindSchema } from '../organizations/organization.schemas.js'
import { roleSchema } from '../users/user.schemas.js'

const meSchema = z.object({
  id: z.uuid().describe('the caller’s user id'),
  subject: z.string().describe('the `sub` claim of the caller’s token'),
  displayName: z.string().describe('the caller’s name as shown'),
  role: roleSchema.describe('the caller’s role'),
  organization: z
    .object({
      id: z.uuid().describe('its id'),
      name: z.string().describe('its name'),
      kind: organizationKindSchema.describe('its kind'),
    })
    .describe('the organisation the caller works for'),
})

export async function meRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/me',
    {
      config: { contract: { audit: null, changes: false, discloses: 'the caller’s own user, role, organisation and permissions' } },
      schema: { tags: ['me'], summary: 'The caller: user, role and organisation', response: { 200: meSchema } },
    },
    async (request) => {
      const { principal } = request
      const organization = await findOrganizationById(app.db, principal.organizationId)
      return {
        id: principal.userId,
        subject: principal.subject,
        displayName: principal.displayName,
        role: principal.role,
        organization: { id: organization!.id, name: organization!.name, kind: principal.organizationKind },
      }
    },
  )
}
