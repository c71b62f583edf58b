import type { Kysely } from 'kysely'
import type { RecordAudit } from '../audit/audited.js'
import type { Role } from '../auth/principal.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../http/problem.js'
import { iso } from '../http/iso-time.js'
import type { AssignmentInput } from './assignment.schemas.js'
import { currentAssignment, findAssignee, upsertAssignment } from './assignment.repository.js'
import { insertHistory } from './case.repository.js'
import { type CaseActor, openCase } from './case.service.js'

/** The field name an assignment carries in the history and the audit trail. */
export const ASSIGNMENT_FIELD = 'case.assignedTo'

/**
 * Assigns the case, for the caller's organisation, to one of its own users: active, and of a role
 * that works on cases (caseRoles). Anything else is a 422; the case outside the caller's scope a 404,
 * a role that may not assign a 403. No If-Match: the assignment is the organisation's, not the case's.
 */
export async function assignCase(
  db: Kysely<Database>,
  actor: CaseActor,
  caseId: string,
  input: AssignmentInput,
  caseRoles: readonly Role[],
  recordAudit: RecordAudit,
) {
  const { access } = await openCase(db, actor, caseId, { forUpdate: true })
  access.requireAction('assign', 'assign cases')
  const organizationId = actor.principal.organizationId
  const assignee = await findAssignee(db, input.userId)
  if (!assignee || assignee.organization_id !== organizationId || !assignee.active || !caseRoles.includes(assignee.role)) {
    throw new AppError('unprocessable-entity', 'The assignee must be an active user of your organisation whose role works on cases', {
      reason: 'assignee_not_eligible',
    })
  }
  const previous = await currentAssignment(db, caseId, organizationId)
  const row = await upsertAssignment(db, { caseId, organizationId, userId: input.userId, assignedBy: actor.principal.userId })
  if (previous?.user_id !== input.userId) {
    await insertHistory(db, [
      {
        case_id: caseId,
        field: ASSIGNMENT_FIELD,
        old_value: previous?.user_id ?? null,
        new_value: input.userId,
        actor_id: actor.principal.userId,
        request_id: actor.requestId,
      },
    ])
  }
  await recordAudit({ caseIds: [caseId], fields: [ASSIGNMENT_FIELD] })
  return {
    caseId: row.case_id,
    organizationId: row.organization_id,
    userId: row.user_id,
    assignedBy: row.assigned_by,
    assignedAt: iso(row.assigned_at) as string,
  }
}
