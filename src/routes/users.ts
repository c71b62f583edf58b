import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audited } from '../audit/audited.js'
import { pageQuerySchema } from '../http/pagination.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { directoryUser, directoryUserListSchema, directoryUserSchema, isAdministrator, requireFound } from '../organizations/directory.js'
import { newUserSchema, userPatchSchema, userSchema } from '../users/user.schemas.js'
import { changeUser, createUser, pageOfUsers, readUser } from '../users/user.service.js'

export async function userRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.post(
    '/users',
    {
      config: { contract: { audit: 'user.create', changes: true } },
      schema: {
        tags: ['administration'],
        summary: 'Create a user in an organisation (system_admin); the role must fit the organisation kind',
        description: 'Audited as user.create (the names of the fields it set, never their values), refusals too.',
        body: newUserSchema,
        // 409: the subject exists; 422: no such organisation, or the role does not fit its kind.
        response: { 201: userSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const user = await audited(app, request, (trx, recordAudit) => {
        app.requireAbility(request, 'manage', 'User')
        return createUser(trx, request.body, recordAudit)
      })
      return reply.code(201).header('location', `/users/${user.id}`).send(user)
    },
  )
  routes.get(
    '/users',
    {
      config: { contract: { audit: null, changes: false, discloses: 'organisations and users: the directory, no case data' } },
      schema: {
        tags: ['administration'],
        summary: 'List users (oversight_auditor: id, displayName, role, organizationId, active; system_admin: the full record)',
        querystring: pageQuerySchema,
        response: { 200: directoryUserListSchema, ...problemResponses },
      },
    },
    async (request) => {
      app.requireAbility(request, 'read', 'User')
      const page = await pageOfUsers(app.db, request.query.limit, request.query.cursor)
      const full = isAdministrator(request)
      return { ...page, items: page.items.map((user) => directoryUser(user, full)) }
    },
  )
  routes.get(
    '/users/:id',
    {
      config: { contract: { audit: null, changes: false, discloses: 'organisations and users: the directory, no case data' } },
      schema: {
        tags: ['administration'],
        summary: 'One user (oversight_auditor: id, displayName, role, organizationId, active; system_admin: the full record)',
        params: z.strictObject({ id: z.uuid().describe('the user’s id') }),
        response: { 200: directoryUserSchema, ...problemResponses },
      },
    },
    async (request) => {
      app.requireAbility(request, 'read', 'User')
      const user = requireFound(await readUser(app.db, request.params.id))
      return directoryUser(user, isAdministrator(request))
    },
  )
  routes.patch(
    '/users/:id',
    {
      config: { contract: { audit: 'user.update', changes: true } },
      schema: {
        tags: ['administration'],
        summary: 'Activate or deactivate a user, rename it or change its role (system_admin)',
        description:
          'Audited as user.update, naming the fields it changed. At least one active system_admin always remains: a change that would remove the last one answers 409 (reason last_active_admin), also when two admins deactivate each other at once.',
        params: z.strictObject({ id: z.uuid().describe('the user’s id') }),
        body: userPatchSchema,
        // 409: it would deactivate the last active system_admin; 422: the role does not fit.
        response: { 200: userSchema, ...problemResponses, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request) => {
      const user = await audited(
        app,
        request,
        (trx, recordAudit) => {
          app.requireAbility(request, 'manage', 'User')
          return changeUser(trx, request.params.id, request.body, recordAudit)
        },
        { targetUserId: request.params.id },
      )
      // This instance forgets the user before answering; the database tells the others.
      app.forgetPrincipal(user.subject)
      return user
    },
  )
}
