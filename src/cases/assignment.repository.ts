import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

export interface AssignmentRow {
  case_id: string
  organization_id: string
  user_id: string
  assigned_by: string
  assigned_at: Date
}

export async function findAssignee(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('users')
    .select(['users.id', 'users.organization_id', 'users.role', 'users.active'])
    .where('users.id', '=', userId)
    .executeTakeFirst()
}

export async function currentAssignment(db: Kysely<Database>, caseId: string, organizationId: string): Promise<AssignmentRow | undefined> {
  return db
    .selectFrom('case_assignments')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
}

/** One assignee per case and organisation: a new assignment replaces the last. */
export async function upsertAssignment(
  db: Kysely<Database>,
  row: { caseId: string; organizationId: string; userId: string; assignedBy: string },
): Promise<AssignmentRow> {
  return db
    .insertInto('case_assignments')
    .values({ case_id: row.caseId, organization_id: row.organizationId, user_id: row.userId, assigned_by: row.assignedBy })
    .onConflict((conflict) =>
      conflict
        .columns(['case_id', 'organization_id'])
        .doUpdateSet({ user_id: row.userId, assigned_by: row.assignedBy, assigned_at: sql<Date>`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The reader's organisation's assignee of each case, selected beside the case. */
export const assigneeOf = (organizationId: string) =>
  sql<string | null>`(SELECT a.user_id FROM case_assignments a WHERE a.case_id = cases.id AND a.organization_id = ${organizationId}::uuid)`
