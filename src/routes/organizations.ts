import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { pageQuerySchema } from '../http/pagination.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { directoryOrganization, directoryOrganizationListSchema, isAdministrator } from '../organizations/directory.js'
import { newOrganizationSchema, organizationSchema } from '../organizations/organization.schemas.js'
import { createOrganization, pageOfOrganizations } from '../organizations/organization.service.js'

export async function organizationRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.post(
    '/organizations',
    {
      config: { contract: { audit: null, changes: true, discloses: 'administration of organisations and users, no case data' } },
      schema: {
        tags: ['administration'],
        summary: 'Create an organisation (system_admin)',
        body: newOrganizationSchema,
        // 409: an organisation with this name exists.
        response: { 201: organizationSchema, ...problemResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      app.requireAbility(request, 'manage', 'Organization')
      return reply.code(201).send(await createOrganization(app.db, request.body))
    },
  )
  routes.get(
    '/organizations',
    {
      config: { contract: { audit: null, changes: false, discloses: 'organisations and users: the directory, no case data' } },
      schema: {
        tags: ['administration'],
        summary: 'List organisations (every user: id, name, kind; system_admin: also createdAt)',
        querystring: pageQuerySchema,
        response: { 200: directoryOrganizationListSchema, ...problemResponses },
      },
    },
    async (request) => {
      app.requireAbility(request, 'read', 'Directory')
      const page = await pageOfOrganizations(app.db, request.query.limit, request.query.cursor)
      const full = isAdministrator(request)
      return { ...page, items: page.items.map((organization) => directoryOrganization(organization, full)) }
    },
  )
}
