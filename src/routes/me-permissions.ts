import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { type AppAbility, type AppAction, type AppSubjectType, packedRulesFor, readableFields } from '../access/abilities.js'
import type { Policy } from '../access/policy.js'
import { problemResponses } from '../http/problem-schema.js'
import { DERIVED_SECTION_FIELDS } from '../cases/case-sections.js'
import { roleSchema } from '../users/user.schemas.js'

const byLetterSchema = z.object({
  read: z.array(z.string()).describe('what the caller may read'),
  create: z.array(z.string()).describe('what the caller may set when creating'),
  update: z.array(z.string()).describe('what the caller may change'),
})

const permissionsSchema = z
  .object({
    role: roleSchema,
    organizationId: z.uuid().describe('the caller’s organisation'),
    sections: byLetterSchema.describe('sections with at least one field the caller may read, create or update on some case in scope'),
    fields: byLetterSchema.describe('`section.field` names, likewise; derived fields are never among those to create or update'),
    actions: z.array(z.string()).describe('the policy’s actions the caller may take (on some case in scope, for the case actions)'),
    rules: z.array(z.array(z.unknown())).describe('CASL’s packed rules, conditions included: a client rebuilds them with unpackRules'),
  })
  .describe('What the caller may do, so a client draws only what the user may use')

/** The policy's action names, and the CASL question each one is. */
const ACTIONS: ReadonlyArray<readonly [string, AppAction, AppSubjectType]> = [
  ['create_case', 'create_case', 'Case'],
  ['transition_stage', 'transition', 'Case'],
  ['decide_determination', 'decide_determination', 'Case'],
  ['share_case', 'share', 'Case'],
  ['refer_case', 'refer', 'Case'],
  ['transfer_case', 'transfer', 'Case'],
  ['end_participation', 'end_participation', 'Case'],
  ['assign_case', 'assign', 'Case'],
  ['read_directory', 'read', 'Directory'],
  ['read_users', 'read', 'User'],
  ['read_audit_trail', 'read', 'AuditTrail'],
  ['read_statistics', 'read', 'Statistics'],
  ['manage_organizations_and_users', 'manage', 'Organization'],
]

/** Read-only for everyone, whatever a section's letters say (the service computes them). */
const DERIVED_FIELDS = new Set(
  Object.entries(DERIVED_SECTION_FIELDS).flatMap(([section, fields]) => fields.map((field) => `${section}.${field}`)),
)

const sectionsOf = (fields: readonly string[]) => [...new Set(fields.map((field) => field.slice(0, field.indexOf('.'))))]

function effectivePermissions(ability: AppAbility, policy: Policy) {
  const allFields = Object.entries(policy.sections).flatMap(([section, fields]) => fields.map((field) => `${section}.${field}`))
  const read = [...readableFields(ability)]
  const create = allFields.filter((field) => ability.can('create', 'Case', field))
  const update = allFields.filter((field) => ability.can('update', 'Case', field))
  // A section's c/u letters also cover the records that carry it (placements, determinations), so the
  // sections come from the rules as they are; only the field lists leave out what nobody may write.
  const writable = (fields: string[]) => fields.filter((field) => !DERIVED_FIELDS.has(field))
  return {
    sections: { read: sectionsOf(read), create: sectionsOf(create), update: sectionsOf(update) },
    fields: { read, create: writable(create), update: writable(update) },
    actions: ACTIONS.filter(([, action, subject]) => ability.can(action, subject)).map(([name]) => name),
    rules: packedRulesFor(ability) as unknown[][],
  }
}

export async function mePermissionsRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/me/permissions',
    {
      config: { contract: { audit: null, changes: false, discloses: 'the caller’s own user, role, organisation and permissions' } },
      schema: {
        tags: ['me'],
        summary: 'The caller’s effective permissions: sections, fields and actions, and the CASL rules behind them',
        response: { 200: permissionsSchema, 401: problemResponses[401] },
      },
    },
    async (request) => ({
      role: request.principal.role,
      organizationId: request.principal.organizationId,
      ...effectivePermissions(request.ability, app.policy),
    }),
  )
}
