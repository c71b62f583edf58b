import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Role } from '../auth/principal.js'
import { audited } from '../audit/audited.js'
import { assignmentInputSchema, assignmentSchema } from '../cases/assignment.schemas.js'
import { assignCase } from '../cases/assignment.service.js'
import { caseIdParamsSchema } from '../cases/case.schemas.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'
import { actorOf } from './cases.js'

/** Each participating organisation assigns the case to one of its own users (PRODUCT.md, "Assignment"). */
export async function assignmentRoutes(app: FastifyInstance): Promise<void> {
  // The roles that work on cases: those whose scope is the cases their organisation takes part in.
  const caseRoles = (Object.entries(app.policy.scopes) as [Role, { kind: string }][])
    .filter(([, scope]) => scope.kind === 'condition')
    .map(([role]) => role)

  app.withTypeProvider<ZodTypeProvider>().put(
    '/cases/:id/assignment',
    {
      config: { contract: { audit: 'case.assign', changes: true } },
      schema: {
        tags: ['cases'],
        summary: 'Assign the case, for the caller’s organisation, to one of its users',
        description:
          'No If-Match: the assignment belongs to the organisation, not to the case file. The user must be active, of the caller’s organisation, ' +
          'and of a role that works on cases; otherwise 422 with `reason: assignee_not_eligible`. The case read shows the reader’s organisation’s assignee as `assignedTo`.',
        params: caseIdParamsSchema,
        body: assignmentInputSchema,
        response: { 200: assignmentSchema, ...problemResponses, 422: problemSchema },
      },
    },
    async (request) => {
      const { id: caseId } = request.params
      return audited(app, request, (trx, recordAudit) => assignCase(trx, actorOf(request), caseId, request.body, caseRoles, recordAudit), {
        caseId,
      })
    },
  )
}
