import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { pageQuerySchema } from '../http/pagination.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import {
  directoryOrganization,
  directoryOrganizationListSchema,
  directoryOrganizationSchema,
  isAdministrator,
} from '../organizations/directory.js'
import { audited } from '../audit/audited.js'
import {
  newOrganizationSchema,
  organizationParamsSchema,
  organizationPatchSchema,
  organizationSchema,
} from '../organizations/organization.schemas.js'
import { changeOrganization, createOrganization, pageOfOrganizations, readOrganization } from '../organizations/organization.service.js'

export async function organizationRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.post(
    '/organizations',
    {
      config: { contract: { audit: 'organization.create', changes: true } },
      schema: {
        tags: ['administration'],
        summary: 'Create an organisation (system_admin)',
        description: 'Audited as organization.create, refusals too.',
        body: newOrganizationSchema,
        // 409: an organisation with this name exists.
        response: { 201: organizationSchema, ...problemResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const organization = await audited(app, request, (trx, recordAudit) => {
        app.requireAbility(request, 'manage', 'Organization')
        return createOrganization(trx, request.body, recordAudit)
      })
      return reply.code(201).header('location', `/organizations/${organization.id}`).send(organization)
    },
  )
  routes.patch(
    '/organizations/:id',
    {
      config: { contract: { audit: 'organization.update', changes: true } },
      schema: {
        tags: ['administration'],
        summary: 'Activate or deactivate an organisation (system_admin)',
        description:
          "A deactivated organisation's users are refused (401) from their next request on, and it cannot receive shares (422, reason organization_inactive). The organisation of the last active system_admin cannot be deactivated (409, reason last_active_admin). Audited as organization.update.",
        params: organizationParamsSchema,
        body: organizationPatchSchema,
        response: { 200: organizationSchema, ...problemResponses, 409: problemSchema },
      },
    },
    async (request) => {
      const organization = await audited(
        app,
        request,
        (trx, recordAudit) => {
          app.requireAbility(request, 'manage', 'Organization')
          return changeOrganization(trx, request.params.id, request.body, recordAudit)
        },
        { targetOrganizationId: request.params.id },
      )
      // This instance forgets every principal before answering; the database tells the others.
      app.forgetPrincipal('*')
      return organization
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
  routes.get(
    '/organizations/:id',
    {
      config: { contract: { audit: null, changes: false, discloses: 'organisations and users: the directory, no case data' } },
      schema: {
        tags: ['administration'],
        summary: 'One organisation (every user: id, name, kind; system_admin: also createdAt)',
        params: organizationParamsSchema,
        response: { 200: directoryOrganizationSchema, ...problemResponses },
      },
    },
    async (request) => {
      app.requireAbility(request, 'read', 'Directory')
      return directoryOrganization(await readOrganization(app.db, request.params.id), isAdministrator(request))
    },
  )
}
